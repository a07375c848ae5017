package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// The dashboard and the alert rules in deploy/ are checked against what the service
// really exports: a real `reviewer serve` runs one review, and every metric their PromQL
// names must be among the families its /metrics serves.
func TestDashboardsUseExportedMetrics(t *testing.T) {
	t.Parallel()
	used := map[string][]string{}    // metric -> where
	matched := map[string][]string{} // metric -> labels its selectors match on
	for name, exprs := range map[string][]string{
		"deploy/grafana/reviewer.json":  dashboardExprs(t, "../../deploy/grafana/reviewer.json"),
		"deploy/prometheus/alerts.yaml": alertExprs(t, "../../deploy/prometheus/alerts.yaml"),
	} {
		for _, e := range exprs {
			for m, labels := range promqlMetrics(t, name, e) {
				used[m] = append(used[m], name)
				matched[m] = append(matched[m], labels...)
			}
		}
	}
	if len(used) < 10 {
		t.Fatalf("the dashboard and the alerts name %d metrics, want at least 10: is the extraction broken? %v", len(used), used)
	}

	exported := servedMetrics(t)
	var missing []string
	for m, where := range used {
		labels, ok := exported[m]
		if !ok {
			slices.Sort(where)
			missing = append(missing, m+" (in "+strings.Join(slices.Compact(where), ", ")+")")
			continue
		}
		for _, l := range matched[m] {
			if !labels[l] {
				missing = append(missing, m+" has no label "+l)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("metrics used but not exported by reviewer serve:\n  %s", strings.Join(missing, "\n  "))
	}
}

// grafanaVars are the dashboard's variables that stand for a duration in PromQL.
var grafanaVars = regexp.MustCompile(`\$__(rate_interval|interval|range)\b`)

// labelValues is Grafana's variable query, label_values(SELECTOR, LABEL).
var labelValues = regexp.MustCompile(`^label_values\((.*),\s*\w+\)$`)

// dashboardExprs returns every PromQL expression of a Grafana dashboard: the panels'
// targets (rows' nested panels included) and the variables' queries.
func dashboardExprs(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var dash any
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var exprs []string
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				walk(c, k)
			}
		case []any:
			for _, c := range v {
				walk(c, key)
			}
		case string:
			switch key {
			case "expr":
				exprs = append(exprs, grafanaVars.ReplaceAllString(v, "5m"))
			case "query", "definition":
				if m := labelValues.FindStringSubmatch(v); m != nil {
					exprs = append(exprs, m[1])
				}
			}
		}
	}
	walk(dash, "")
	if len(exprs) == 0 {
		t.Fatalf("%s: no PromQL expression found", path)
	}
	return exprs
}

// alertExprs returns the expressions of a Prometheus rules file.
func alertExprs(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Expr string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var exprs []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	if len(exprs) == 0 {
		t.Fatalf("%s: no rule found", path)
	}
	return exprs
}

// promqlMetrics returns the metric names an expression selects, each with the labels
// its selectors match on.
func promqlMetrics(t *testing.T, where, expr string) map[string][]string {
	t.Helper()
	node, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %q does not parse: %v", where, expr, err)
		return nil
	}
	names := map[string][]string{}
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name, labels := vs.Name, []string{}
		for _, m := range vs.LabelMatchers {
			if m.Name == "__name__" {
				name = m.Value
			} else {
				labels = append(labels, m.Name)
			}
		}
		if name == "" {
			t.Errorf("%s: %q selects series without naming the metric", where, expr)
		}
		names[name] = append(names[name], labels...)
		return nil
	})
	return names
}

// servedMetrics runs `reviewer serve` through one review that costs something and
// returns the names of the series its /metrics serves (a histogram's _bucket, _sum and
// _count), each with the labels its samples carry.
func servedMetrics(t *testing.T) map[string]map[string]bool {
	t.Helper()
	fl := newGitHubFleet(t, 1)
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	environ := append(append(fl.environ(), quickQueue(db)...), gatewayEnv(newModelGateway(t, e2eModelFindings))...)
	p := startServe(t, append(environ, `REVIEWER_GATEWAY_PRICES={"gpt-test": {"input": 1, "output": 2}}`))
	body, headers := delivery(t, "opened", 0, shaHead1)
	deliverOK(t, p.addr, body, headers)
	waitFor(t, "the review", func() bool {
		return fl.reviewed(0) && metric(t, p.addr, `reviewer_queue_jobs{state="completed"}`) == "1"
	})

	resp, err := http.Get("http://" + p.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	tp := expfmt.NewTextParser(model.LegacyValidation)
	families, err := tp.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	names := map[string]map[string]bool{}
	for name, f := range families {
		labels := map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = true
			}
		}
		series := []string{name}
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM:
			series = []string{name + "_bucket", name + "_sum", name + "_count"}
		case dto.MetricType_SUMMARY:
			series = append(series, name+"_sum", name+"_count")
		}
		for _, s := range series {
			names[s] = labels
		}
	}
	// The review must have reached every family the dashboard reads of a review, or the
	// check above would pass on a scrape that proves little.
	for _, want := range []string{"reviewer_model_cost_usd_total", "reviewer_model_tokens_total", "reviewer_model_answers_total",
		"reviewer_review_duration_seconds_bucket", "reviewer_webhook_deliveries_total"} {
		if names[want] == nil {
			t.Errorf("/metrics after a review has no %s", want)
		}
	}
	return names
}
