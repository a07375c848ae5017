package deploy_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const chart = "helm/reviewer"

// tool finds a command the tests need on PATH. Without it the test skips, saying how to
// get it, except under CI, where it fails: .ci/run installs both.
func tool(t *testing.T, name, how string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not on PATH and CI is set, so this test may not be skipped (%s)", name, how)
	}
	t.Skipf("%s is not on PATH: %s, or run .ci/run", name, how)
	return ""
}

// helm runs helm with its caches in a temporary directory, returning its output.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := tool(t, "helm", "go build -o DIR/helm helm.sh/helm/v4/cmd/helm@v4.3.2 and put DIR on PATH")
	dir := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+filepath.Join(dir, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(dir, "config"), "HELM_DATA_HOME="+filepath.Join(dir, "data"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// valueSets are the chart's test values, one file each in helm/reviewer/ci/.
var valueSets = []string{"sqlite", "postgres", "servicemonitor", "ui"}

func TestChartLints(t *testing.T) {
	t.Parallel()
	for _, set := range valueSets {
		t.Run(set, func(t *testing.T) {
			t.Parallel()
			out, err := helm(t, "lint", "--strict", chart, "-f", filepath.Join(chart, "ci", set+"-values.yaml"))
			if err != nil {
				t.Fatalf("helm lint: %v\n%s", err, out)
			}
		})
	}
}

// object is one rendered Kubernetes object.
type object = map[string]any

// get walks o by keys and list indices.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// render runs helm template with a value set and returns its objects by kind.
func render(t *testing.T, args ...string) map[string][]object {
	t.Helper()
	out, err := helm(t, append([]string{"template", "rel", chart}, args...)...)
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, out)
	}
	objs := map[string][]object{}
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("helm template's output: %v\n%s", err, out)
		}
		if o == nil {
			continue
		}
		kind := str(o["kind"])
		objs[kind] = append(objs[kind], o)
	}
	return objs
}

func one(t *testing.T, objs map[string][]object, kind string) object {
	t.Helper()
	if n := len(objs[kind]); n != 1 {
		t.Fatalf("%d objects of kind %s, want 1", n, kind)
	}
	return objs[kind][0]
}

func TestChartRenders(t *testing.T) {
	t.Parallel()
	documented := readmeKeys(t)
	for _, set := range valueSets {
		t.Run(set, func(t *testing.T) {
			t.Parallel()
			objs := render(t, "-f", filepath.Join(chart, "ci", set+"-values.yaml"))
			var values struct {
				ReplicaCount int                        `yaml:"replicaCount"`
				ServiceMon   struct{ Enabled bool }     `yaml:"serviceMonitor"`
				Ingress      struct{ Enabled, UI bool } `yaml:"ingress"`
				UI           struct{ Enabled bool }     `yaml:"ui"`
				Clones       chartClones                `yaml:"clones"`
				Secrets      struct {
					QueueURL struct{ Name string } `yaml:"queueURL"`
				} `yaml:"secrets"`
			}
			values.ReplicaCount = 1
			raw, err := os.ReadFile(filepath.Join(chart, "ci", set+"-values.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(raw, &values); err != nil {
				t.Fatal(err)
			}
			postgres := values.Secrets.QueueURL.Name != ""

			cfg := renderedConfig(t, one(t, objs, "ConfigMap"))
			checkConfigKeys(t, cfg, documented)
			dep := one(t, objs, "Deployment")
			pod := get(dep, "spec", "template", "spec")
			ctr := get(pod, "containers", 0)

			if n, _ := get(dep, "spec", "replicas").(int); n != values.ReplicaCount {
				t.Errorf("replicas = %d, want %d", n, values.ReplicaCount)
			}
			checkProbes(t, ctr, cfg)
			checkGrace(t, pod, ctr, cfg)
			checkSecurity(t, pod, ctr)
			checkSecrets(t, objs, pod, ctr, cfg)
			checkUI(t, cfg, values.UI.Enabled)
			checkClones(t, pod, ctr, cfg, values.Clones)
			checkQueue(t, objs, dep, ctr, cfg, postgres)

			pdb := one(t, objs, "PodDisruptionBudget")
			sel := get(dep, "spec", "selector", "matchLabels")
			if !equalYAML(get(pdb, "spec", "selector", "matchLabels"), sel) {
				t.Errorf("the PodDisruptionBudget selects %v, the Deployment's pods are %v", get(pdb, "spec", "selector", "matchLabels"), sel)
			}
			svc := one(t, objs, "Service")
			if !equalYAML(get(svc, "spec", "selector"), sel) || str(get(svc, "spec", "ports", 0, "targetPort")) != "http" {
				t.Errorf("the Service does not reach the pods' http port: %v", get(svc, "spec"))
			}

			if values.ServiceMon.Enabled {
				sm := one(t, objs, "ServiceMonitor")
				if str(sm["apiVersion"]) != "monitoring.coreos.com/v1" || str(get(sm, "spec", "endpoints", 0, "port")) != "http" ||
					str(get(sm, "spec", "endpoints", 0, "path")) != "/metrics" {
					t.Errorf("ServiceMonitor does not scrape /metrics on the http port: %v", sm)
				}
				if !subset(get(sm, "spec", "selector", "matchLabels"), get(svc, "metadata", "labels")) {
					t.Errorf("ServiceMonitor selects %v, not the Service's labels %v", get(sm, "spec", "selector", "matchLabels"), get(svc, "metadata", "labels"))
				}
			} else if len(objs["ServiceMonitor"]) != 0 {
				t.Error("a ServiceMonitor though serviceMonitor.enabled is off")
			}
			if values.Ingress.Enabled {
				ing := one(t, objs, "Ingress")
				paths := map[string]bool{}
				for _, r := range list(get(ing, "spec", "rules")) {
					for _, p := range list(get(r, "http", "paths")) {
						path := str(get(p, "path"))
						paths[path] = true
						if path != "/webhooks/" && (path != "/ui/" || !values.Ingress.UI) {
							t.Errorf("the Ingress exposes %s: only /webhooks/ may leave the cluster, and /ui/ with ingress.ui", path)
						}
					}
				}
				if !paths["/webhooks/"] || paths["/ui/"] != values.Ingress.UI {
					t.Errorf("the Ingress routes %v; want /webhooks/, and /ui/ only with ingress.ui (%v)", paths, values.Ingress.UI)
				}
			} else if len(objs["Ingress"]) != 0 {
				t.Error("an Ingress though ingress.enabled is off")
			}
		})
	}
}

// renderedConfig is the configuration file the ConfigMap holds.
func renderedConfig(t *testing.T, cm object) map[string]any {
	t.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal([]byte(str(get(cm, "data", "config.yaml"))), &cfg); err != nil {
		t.Fatalf("the ConfigMap's config.yaml: %v", err)
	}
	return cfg
}

// readmeKeys are the configuration keys README.md documents (a test in cmd/reviewer keeps
// them the keys reviewer knows, and reviewer refuses unknown keys in its file).
func readmeKeys(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	row := regexp.MustCompile("^\\| `([a-z0-9_.]+)` \\|")
	keys := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := row.FindStringSubmatch(sc.Text()); m != nil {
			keys[m[1]] = true
		}
	}
	if len(keys) < 20 {
		t.Fatalf("README.md documents %d configuration keys: is its table gone?", len(keys))
	}
	return keys
}

// checkConfigKeys: every key of the rendered file is one reviewer knows.
func checkConfigKeys(t *testing.T, cfg map[string]any, documented map[string]bool) {
	t.Helper()
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			key := prefix + k
			if documented[key] {
				continue
			}
			if sub, ok := v.(map[string]any); ok {
				walk(key+".", sub)
				continue
			}
			t.Errorf("config.yaml has %s, which is no configuration key of README.md", key)
		}
	}
	walk("", cfg)
}

func section(cfg map[string]any, s, key string) string {
	return str(get(cfg, s, key))
}

func checkProbes(t *testing.T, ctr any, cfg map[string]any) {
	t.Helper()
	listen := section(cfg, "server", "listen")
	var port int
	for _, p := range list(get(ctr, "ports")) {
		if str(get(p, "name")) == "http" {
			port, _ = get(p, "containerPort").(int)
		}
	}
	if port == 0 || !strings.HasSuffix(listen, ":"+strconv.Itoa(port)) {
		t.Errorf("container port http is %d, server.listen is %q", port, listen)
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		if got := str(get(ctr, probe, "httpGet", "path")); got != path {
			t.Errorf("%s on %q, want %s", probe, got, path)
		}
		if got := get(ctr, probe, "httpGet", "port"); got != "http" {
			t.Errorf("%s on port %v, want http", probe, got)
		}
	}
}

// checkGrace: the kubelet waits longer than reviewer lets running reviews finish, after
// the preStop sleep.
func checkGrace(t *testing.T, pod, ctr any, cfg map[string]any) {
	t.Helper()
	shutdown := 2 * time.Minute // reviewer's default
	if s := section(cfg, "server", "shutdown_timeout"); s != "" {
		var err error
		if shutdown, err = time.ParseDuration(s); err != nil {
			t.Fatalf("server.shutdown_timeout %q: %v", s, err)
		}
	}
	sleep, _ := get(ctr, "lifecycle", "preStop", "sleep", "seconds").(int)
	grace, ok := get(pod, "terminationGracePeriodSeconds").(int)
	if !ok || time.Duration(grace)*time.Second <= shutdown+time.Duration(sleep)*time.Second {
		t.Errorf("terminationGracePeriodSeconds %v is not longer than server.shutdown_timeout %v plus the preStop sleep %ds", get(pod, "terminationGracePeriodSeconds"), shutdown, sleep)
	}
}

func checkSecurity(t *testing.T, pod, ctr any) {
	t.Helper()
	for _, c := range []struct {
		path []any
		want any
	}{
		{[]any{"securityContext", "runAsNonRoot"}, true},
		{[]any{"securityContext", "runAsUser"}, 65532},
		{[]any{"automountServiceAccountToken"}, false},
	} {
		if got := get(pod, c.path...); got != c.want {
			t.Errorf("pod %v = %v, want %v", c.path, got, c.want)
		}
	}
	for _, c := range []struct {
		path []any
		want any
	}{
		{[]any{"securityContext", "readOnlyRootFilesystem"}, true},
		{[]any{"securityContext", "allowPrivilegeEscalation"}, false},
		{[]any{"securityContext", "capabilities", "drop", 0}, "ALL"},
	} {
		if got := get(ctr, c.path...); got != c.want {
			t.Errorf("container %v = %v, want %v", c.path, got, c.want)
		}
	}
}

// secretName says which environment variables hold secrets.
var secretName = regexp.MustCompile(`SECRET|TOKEN|KEY|PASSWORD|QUEUE_URL|HEADERS`)

// fileKeys are the keys of cfg, at any depth, that end in _file, with their values.
func fileKeys(cfg map[string]any) map[string]string {
	keys := map[string]string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				walk(prefix+k+".", sub)
			} else if strings.HasSuffix(k, "_file") {
				keys[prefix+k] = str(v)
			}
		}
	}
	walk("", cfg)
	return keys
}

// checkSecrets: the *_file keys name files mounted from Secrets, the webhook secrets are
// among them, no secret is a literal in the environment, and the chart makes no Secret
// (so none is ever a value).
func checkSecrets(t *testing.T, objs map[string][]object, pod, ctr any, cfg map[string]any) {
	t.Helper()
	secretVolumes := map[string]map[string]bool{} // volume -> files it holds from Secrets
	for _, v := range list(get(pod, "volumes")) {
		files := map[string]bool{}
		for _, src := range append(list(get(v, "projected", "sources")), map[string]any{"secret": get(v, "secret")}) {
			for _, it := range list(get(src, "secret", "items")) {
				files[str(get(it, "path"))] = true
			}
		}
		if len(files) > 0 {
			secretVolumes[str(get(v, "name"))] = files
		}
	}
	mounted := func(path string) bool {
		for _, m := range list(get(ctr, "volumeMounts")) {
			dir := str(get(m, "mountPath"))
			if files := secretVolumes[str(get(m, "name"))]; files != nil && get(m, "readOnly") == true &&
				filepath.Dir(path) == dir && files[filepath.Base(path)] {
				return true
			}
		}
		return false
	}
	files := fileKeys(cfg)
	for k, v := range files {
		if !mounted(v) {
			t.Errorf("%s is %v, which is no file mounted read-only from a Secret", k, v)
		}
	}
	if files["github.webhook_secret_file"] == "" && files["gitlab.webhook_secret_file"] == "" {
		t.Errorf("no webhook secret is read from a file: the files are %v", files)
	}
	for _, e := range list(get(ctr, "env")) {
		name := str(get(e, "name"))
		if strings.Contains(name, "WEBHOOK_SECRET") {
			t.Errorf("%s is in the environment: the webhook secrets are mounted as files", name)
		}
		if secretName.MatchString(name) && (get(e, "value") != nil || get(e, "valueFrom", "secretKeyRef", "name") == nil) {
			t.Errorf("%s is not taken from a Secret: %v", name, e)
		}
	}
	if n := len(objs["Secret"]); n != 0 {
		t.Errorf("the chart renders %d Secrets: it must only name Secrets made elsewhere", n)
	}
}

// checkUI: the status page's credentials are set (and, by checkSecrets, mounted) with
// ui.enabled, and without it the configuration has no server.ui at all, so /ui/ is off.
func checkUI(t *testing.T, cfg map[string]any, enabled bool) {
	t.Helper()
	ui := get(cfg, "server", "ui")
	if !enabled {
		if ui != nil {
			t.Errorf("ui.enabled is off, but the configuration has server.ui %v", ui)
		}
		return
	}
	if str(get(ui, "token_file")) == "" && str(get(ui, "basic_auth_file")) == "" {
		t.Errorf("ui.enabled, but server.ui names no credentials: %v", ui)
	}
}

// chartClones is the values' clones.
type chartClones struct {
	Enabled      bool `yaml:"enabled"`
	MaxMiB       int  `yaml:"maxMiB"`
	SizeLimitMiB int  `yaml:"sizeLimitMiB"`
}

// checkClones: without clones.enabled the clones are off (max_mib 0, as the image has no
// git); with it server.clones.dir is inside an emptyDir whose size limit is above
// max_mib.
func checkClones(t *testing.T, pod, ctr any, cfg map[string]any, want chartClones) {
	t.Helper()
	maxMiB, ok := get(cfg, "server", "clones", "max_mib").(int)
	dir := str(get(cfg, "server", "clones", "dir"))
	if !want.Enabled {
		if !ok || maxMiB != 0 || dir != "" {
			t.Errorf("clones.enabled is off, but server.clones is %v: want max_mib 0", get(cfg, "server", "clones"))
		}
		return
	}
	if !ok || maxMiB != want.MaxMiB || dir == "" {
		t.Fatalf("server.clones is %v, want max_mib %d and a dir", get(cfg, "server", "clones"), want.MaxMiB)
	}
	for _, m := range list(get(ctr, "volumeMounts")) {
		mount := str(get(m, "mountPath"))
		if !strings.HasPrefix(dir, mount+"/") || get(m, "readOnly") == true {
			continue
		}
		for _, v := range list(get(pod, "volumes")) {
			if get(v, "name") == get(m, "name") {
				limit := str(get(v, "emptyDir", "sizeLimit"))
				mib, err := strconv.Atoi(strings.TrimSuffix(limit, "Mi"))
				if err != nil || !strings.HasSuffix(limit, "Mi") || mib <= maxMiB {
					t.Errorf("the clones' volume %v has sizeLimit %q, want an emptyDir above %d MiB", get(v, "name"), limit, maxMiB)
				}
				return
			}
		}
	}
	t.Errorf("server.clones.dir %s is on no writable volume", dir)
}

// checkQueue: SQLite on a volume for one replica, PostgreSQL's URL from a Secret.
func checkQueue(t *testing.T, objs map[string][]object, dep, ctr any, cfg map[string]any, postgres bool) {
	t.Helper()
	url := section(cfg, "queue", "url")
	strategy := str(get(dep, "spec", "strategy", "type"))
	if !postgres {
		pvc := one(t, objs, "PersistentVolumeClaim")
		if !strings.HasPrefix(url, "sqlite:///data/") || strategy != "Recreate" {
			t.Errorf("queue.url %q, strategy %s: want SQLite under /data, and the old pod gone before the new starts", url, strategy)
		}
		ok := false
		for _, v := range list(get(dep, "spec", "template", "spec", "volumes")) {
			if str(get(v, "persistentVolumeClaim", "claimName")) == str(get(pvc, "metadata", "name")) {
				for _, m := range list(get(ctr, "volumeMounts")) {
					ok = ok || (get(m, "name") == get(v, "name") && get(m, "mountPath") == "/data")
				}
			}
		}
		if !ok {
			t.Error("the claim is not mounted on /data")
		}
		return
	}
	if url != "" || len(objs["PersistentVolumeClaim"]) != 0 || strategy != "RollingUpdate" {
		t.Errorf("on PostgreSQL: queue.url %q in the ConfigMap, %d claims, strategy %s; want none, none, RollingUpdate", url, len(objs["PersistentVolumeClaim"]), strategy)
	}
	for _, e := range list(get(ctr, "env")) {
		if str(get(e, "name")) == "REVIEWER_QUEUE_URL" && get(e, "valueFrom", "secretKeyRef", "name") != nil {
			return
		}
	}
	t.Error("REVIEWER_QUEUE_URL does not come from a Secret")
}

func equalYAML(a, b any) bool {
	x, _ := yaml.Marshal(a)
	y, _ := yaml.Marshal(b)
	return a != nil && bytes.Equal(x, y)
}

// subset reports whether every label of a is in b.
func subset(a, b any) bool {
	am, _ := a.(map[string]any)
	bm, _ := b.(map[string]any)
	for k, v := range am {
		if bm[k] != v {
			return false
		}
	}
	return len(am) > 0
}

// The chart refuses values that can not work, saying what to do.
func TestChartRefuses(t *testing.T) {
	t.Parallel()
	base := filepath.Join(chart, "ci", "sqlite-values.yaml")
	for _, tc := range []struct {
		name string
		set  []string
		want string
	}{
		{"replicas on SQLite", []string{"replicaCount=3"}, "replicaCount 3 needs PostgreSQL"},
		{"secret in the ConfigMap", []string{"config.gateway.api_key=sk-1"}, "config.gateway.api_key holds a secret"},
		{"queue URL in the ConfigMap", []string{"config.queue.url=postgres://u:p@db/r"}, "config.queue.url is set by the chart"},
		{"no webhook secret", []string{"secrets.githubWebhookSecret.name="}, "no webhook secret"},
		{"shutdown timeout not a duration", []string{"config.server.shutdown_timeout=2 minutes"}, `config.server.shutdown_timeout "2 minutes"`},
		{"trace headers in the ConfigMap", []string{"config.telemetry.traces.headers=x-api-key=k"}, "config.telemetry.traces.headers holds a secret"},
		{"a secret's file set by hand", []string{"config.github.webhook_secret_file=/etc/secret"}, "config.github.webhook_secret_file is set by the chart"},
		{"the status page's file set by hand", []string{"config.server.ui.token_file=/etc/token"}, "config.server.ui.token_file is set by the chart"},
		{"status page without credentials", []string{"ui.enabled=true"}, "ui.enabled with no credentials"},
		{"status page routed but off", []string{"ingress.enabled=true", "ingress.ui=true", "ui.token.name=reviewer-ui"}, "ingress.ui routes /ui/, but the status page is off"},
		{"clones set by hand", []string{"config.server.clones.max_mib=100"}, "config.server.clones.max_mib is set by the chart"},
		{"clones' volume too small", []string{"clones.enabled=true", "clones.maxMiB=2048", "clones.sizeLimitMiB=2048"}, "clones.sizeLimitMiB 2048 is not above clones.maxMiB 2048"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"template", "rel", chart, "-f", base}
			for _, s := range tc.set {
				flag := "--set-string"
				if strings.HasSuffix(s, "=true") || strings.Contains(s, "MiB=") {
					flag = "--set" // booleans and numbers
				}
				args = append(args, flag, s)
			}
			out, err := helm(t, args...)
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("helm template with %v: %v, want an error saying %q:\n%s", tc.set, err, tc.want, out)
			}
		})
	}
}

// The status page is off unless ui.enabled, even with its Secret named: no server.ui in
// the configuration, no credentials mounted, no /ui/ on the Ingress; with it, they are.
func TestChartUIOffByDefault(t *testing.T) {
	t.Parallel()
	base := []string{"-f", filepath.Join(chart, "ci", "sqlite-values.yaml"), "--set-string", "ui.token.name=reviewer-ui",
		"--set", "ingress.enabled=true"}
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprintf("enabled=%v", on), func(t *testing.T) {
			t.Parallel()
			args := base
			if on {
				args = append(slices.Clone(base), "--set", "ui.enabled=true,ingress.ui=true")
			}
			objs := render(t, args...)
			cfg := renderedConfig(t, one(t, objs, "ConfigMap"))
			pod := get(one(t, objs, "Deployment"), "spec", "template", "spec")
			ctr := get(pod, "containers", 0)
			checkUI(t, cfg, on)
			checkSecrets(t, objs, pod, ctr, cfg)
			token := str(get(cfg, "server", "ui", "token_file"))
			if (token != "") != on {
				t.Errorf("ui.enabled %v: server.ui.token_file is %q", on, token)
			}
			rendered := 0
			for _, v := range list(get(pod, "volumes")) {
				for _, src := range list(get(v, "projected", "sources")) {
					if str(get(src, "secret", "name")) == "reviewer-ui" {
						rendered++
					}
				}
			}
			if rendered != map[bool]int{false: 0, true: 1}[on] {
				t.Errorf("ui.enabled %v: the Secret reviewer-ui is mounted %d times", on, rendered)
			}
			ui := false
			for _, p := range list(get(one(t, objs, "Ingress"), "spec", "rules", 0, "http", "paths")) {
				ui = ui || str(get(p, "path")) == "/ui/"
			}
			if ui != on {
				t.Errorf("ui.enabled %v: the Ingress routes /ui/: %v", on, ui)
			}
		})
	}
}

// The alert rules are valid, and their unit tests (alerts_test.yaml) pass.
func TestAlertRules(t *testing.T) {
	t.Parallel()
	promtool := tool(t, "promtool", "apt-get install prometheus")
	for _, args := range [][]string{
		{"check", "rules", "prometheus/alerts.yaml"},
		{"test", "rules", "prometheus/alerts_test.yaml"},
	} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// compose.yaml: the services are there, the service waits for a healthy PostgreSQL, and
// the secrets it reads from files are mounted.
func TestCompose(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Entrypoint  []string          `yaml:"entrypoint"`
			Environment map[string]string `yaml:"environment"`
			Secrets     []string          `yaml:"secrets"`
			DependsOn   map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
			StopGracePeriod string `yaml:"stop_grace_period"`
			ReadOnly        bool   `yaml:"read_only"`
		} `yaml:"services"`
		Secrets map[string]struct {
			File string `yaml:"file"`
		} `yaml:"secrets"`
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	pg, ok := c.Services["postgres"]
	if !ok || !strings.HasPrefix(pg.Image, "postgres:") || len(pg.Healthcheck.Test) == 0 {
		t.Errorf("no postgres service with a health check: %+v", pg)
	}
	rv, ok := c.Services["reviewer"]
	if !ok {
		t.Fatal("no reviewer service")
	}
	if rv.DependsOn["postgres"].Condition != "service_healthy" {
		t.Error("reviewer does not wait for PostgreSQL to be healthy")
	}
	if !slices.ContainsFunc(rv.Entrypoint, func(s string) bool {
		return strings.Contains(s, "REVIEWER_QUEUE_URL=\"postgres://") && strings.Contains(s, "@postgres:") && strings.Contains(s, "reviewer serve")
	}) {
		t.Errorf("reviewer does not serve with its queue on the postgres service: %q", rv.Entrypoint)
	}
	if !rv.ReadOnly || !slices.Contains(rv.Healthcheck.Test, "http://127.0.0.1:8080/readyz") {
		t.Errorf("reviewer: read_only %v, health check %q", rv.ReadOnly, rv.Healthcheck.Test)
	}
	grace, err := time.ParseDuration(rv.StopGracePeriod)
	shutdown, err2 := time.ParseDuration(rv.Environment["REVIEWER_SERVER_SHUTDOWN_TIMEOUT"])
	if err != nil || err2 != nil || grace <= shutdown {
		t.Errorf("stop_grace_period %q is not longer than server.shutdown_timeout %q", rv.StopGracePeriod, rv.Environment["REVIEWER_SERVER_SHUTDOWN_TIMEOUT"])
	}
	if rv.Environment["REVIEWER_GITHUB_WEBHOOK_SECRET_FILE"] == "" && rv.Environment["REVIEWER_GITLAB_WEBHOOK_SECRET_FILE"] == "" {
		t.Error("reviewer reads no webhook secret from a file")
	}
	for name, v := range rv.Environment {
		if strings.HasSuffix(name, "WEBHOOK_SECRET") {
			t.Errorf("%s is in the environment: the webhook secrets are Compose secrets, read as files", name)
		}
		if strings.HasSuffix(name, "_FILE") {
			secret, ok := strings.CutPrefix(v, "/run/secrets/")
			if !ok || !slices.Contains(rv.Secrets, secret) || c.Secrets[secret].File == "" {
				t.Errorf("%s=%s is not a secret the service is given", name, v)
			}
			continue
		}
		if secretName.MatchString(name) && !strings.HasPrefix(v, "${") {
			t.Errorf("%s is a literal in compose.yaml", name)
		}
	}
}

// readmeSection returns the fenced blocks of README.md's section under heading, by
// language.
func readmeSection(t *testing.T, heading string) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(raw), "\n### "+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", heading)
	}
	// The section ends at the next heading of its level or above (not at a # comment in
	// a block).
	for _, next := range []string{"\n### ", "\n## "} {
		if i := strings.Index(rest, next); i >= 0 {
			rest = rest[:i]
		}
	}
	blocks := map[string][]string{}
	for {
		_, after, ok := strings.Cut(rest, "```")
		if !ok {
			return blocks
		}
		lang, after, _ := strings.Cut(after, "\n")
		body, after, _ := strings.Cut(after, "```")
		blocks[lang] = append(blocks[lang], body)
		rest = after
	}
}

// README's "Running on Kubernetes": its values render and pass the checks above, its
// helm install installs this chart with them, and its kubectl commands make every
// Secret and key the values name.
func TestReadmeChart(t *testing.T) {
	t.Parallel()
	blocks := readmeSection(t, "Running on Kubernetes")
	if len(blocks["yaml"]) != 1 || len(blocks["sh"]) != 2 {
		t.Fatalf("the section has %d YAML and %d shell blocks, want 1 and 2", len(blocks["yaml"]), len(blocks["sh"]))
	}
	valuesFile := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(valuesFile, []byte(blocks["yaml"][0]), 0o600); err != nil {
		t.Fatal(err)
	}
	type ref struct{ Name, Key string }
	var values struct {
		Secrets map[string]ref `yaml:"secrets"`
		UI      struct {
			Enabled          bool
			Token, BasicAuth ref
		} `yaml:"ui"`
		Clones chartClones `yaml:"clones"`
	}
	if err := yaml.Unmarshal([]byte(blocks["yaml"][0]), &values); err != nil {
		t.Fatalf("the values: %v", err)
	}

	made := map[string]bool{} // secret/key
	installs := 0
	for _, sh := range blocks["sh"] {
		for _, line := range strings.Split(strings.ReplaceAll(sh, "\\\n", " "), "\n") {
			words := strings.Fields(line)
			switch {
			case len(words) == 0:
			case len(words) > 4 && slices.Equal(words[:4], []string{"kubectl", "create", "secret", "generic"}):
				for _, w := range words[5:] {
					for _, flag := range []string{"--from-file=", "--from-literal="} {
						if kv, ok := strings.CutPrefix(w, flag); ok {
							key, _, _ := strings.Cut(kv, "=")
							made[words[4]+"/"+key] = true
						}
					}
				}
			case words[0] == "helm":
				if !slices.Equal(words, []string{"helm", "install", "reviewer", "deploy/helm/reviewer", "-f", "values.yaml"}) {
					t.Errorf("README: %q, want helm install reviewer deploy/helm/reviewer -f values.yaml", line)
				}
				installs++
			default:
				t.Errorf("README: %q is a command this test does not know", line)
			}
		}
	}
	if installs != 1 {
		t.Errorf("README: %d helm install commands, want 1", installs)
	}
	if len(values.Secrets) == 0 {
		t.Error("README's values name no Secret")
	}
	refs := map[string]ref{}
	for what, s := range values.Secrets {
		refs["secrets."+what] = s
	}
	for what, s := range map[string]ref{"ui.token": values.UI.Token, "ui.basicAuth": values.UI.BasicAuth} {
		if s.Name != "" {
			refs[what] = s
		}
	}
	for what, s := range refs {
		if !made[s.Name+"/"+s.Key] {
			t.Errorf("README's values take %s from %s/%s, which no kubectl command makes", what, s.Name, s.Key)
		}
	}

	objs := render(t, "-f", valuesFile)
	dep := one(t, objs, "Deployment")
	pod := get(dep, "spec", "template", "spec")
	ctr := get(pod, "containers", 0)
	cfg := renderedConfig(t, one(t, objs, "ConfigMap"))
	checkConfigKeys(t, cfg, readmeKeys(t))
	checkProbes(t, ctr, cfg)
	checkGrace(t, pod, ctr, cfg)
	checkSecurity(t, pod, ctr)
	checkSecrets(t, objs, pod, ctr, cfg)
	checkUI(t, cfg, values.UI.Enabled)
	checkClones(t, pod, ctr, cfg, values.Clones)
	checkQueue(t, objs, dep, ctr, cfg, values.Secrets["queueURL"].Name != "")
}
