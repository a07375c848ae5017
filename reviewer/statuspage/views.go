package statuspage

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// Limits of the lists: every list is cut, with a link to a longer one.
const (
	defaultLimit = 50
	maxLimit     = 500
	defaultDays  = 14
	maxDays      = 90
	maxCostRows  = 500
)

// page is what every template gets.
type page struct {
	Title string
	// Nav is the view the navigation marks as current; View is the template shown.
	Nav   string
	View  string
	Login bool
	Error string

	Rows []row
	// More, when set, is the link to a longer list.
	More string
	// Limit is how many rows the list was cut to.
	Limit int

	// Repo, when set, is the one repository a list shows.
	Repo string

	// Change is the change a view of one change shows; CostUSD its reviews' cost.
	Change  *changeHead
	CostUSD string

	Days     int
	Cost     []costRow
	Chart    *chart
	CostMore bool

	Queue   []queueCount
	RiverUI string
}

// row is one review attempt, ready to show: every string from a forge or a failure
// made safe by Options.Text.
type row struct {
	When      string
	Forge     string
	Repo      string
	Change    int
	ChangeURL string
	Head      string
	Trigger   string
	Tier      string
	Attempt   int
	Outcome   string
	Bad       bool
	Files     string
	Findings  int
	Posted    int
	Kept      int
	Tokens    int64
	Cost      string
	Took      string
	Kind      string
	Reason    string
}

type changeHead struct {
	Forge, Repo string
	Number      int
}

type costRow struct {
	Day     string
	Forge   string
	Repo    string
	RepoURL string
	Reviews int
	Failed  int
	Tokens  int64
	Cached  int64
	Cost    string
}

type queueCount struct {
	Name, Help string
	N          int
}

func (p *Page) funcs() template.FuncMap { return template.FuncMap{} }

// text is hostile text made safe to show, "-" when nothing is left.
func (p *Page) text(s string, maxRunes int) string {
	if s = p.o.Text(s, maxRunes); s == "" {
		return "-"
	}
	return s
}

func (p *Page) row(r queue.Review) row {
	head := r.HeadSHA
	if len(head) > 10 {
		head = head[:10]
	}
	return row{
		When:      r.Finished.UTC().Format("2006-01-02 15:04:05"),
		Forge:     p.text(r.Forge, 10),
		Repo:      p.text(r.Repo, 100),
		Change:    r.Change,
		ChangeURL: changeURL(r.Forge, r.Repo, r.Change),
		Head:      p.text(head, 10),
		Trigger:   p.text(r.Trigger, 10),
		Tier:      p.text(r.Tier, 10),
		Attempt:   r.Attempt,
		Outcome:   p.text(r.Outcome, 12),
		Bad:       r.Failed() || r.Outcome == queue.OutcomeLimited || r.Outcome == queue.OutcomeRefused,
		Files: fmt.Sprintf("%d/%d/%d/%d", r.Files.Reviewed, r.Files.Skipped,
			r.Files.Filtered+r.Files.Withheld, r.Files.Failed),
		Findings: r.Findings, Posted: r.Posted, Kept: r.Kept,
		Tokens: r.PromptTokens + r.CompletionTokens,
		Cost:   money(r.CostUSD),
		Took:   (time.Duration(r.DurationMS) * time.Millisecond).Round(100 * time.Millisecond).String(),
		Kind:   p.text(r.ErrorKind, 20),
		Reason: p.text(r.Reason, 300),
	}
}

func money(usd float64) string { return fmt.Sprintf("$%.4f", usd) }

// changeURL is the link to one change's reviews: each segment of the repository's
// path escaped on its own, so that its slashes stay and nothing else acts.
func changeURL(forge, repo string, number int) string {
	segs := strings.Split(repo, "/")
	for i, s := range segs {
		switch s {
		case ".", "..":
			segs[i] = strings.Repeat("%2E", len(s))
		default:
			segs[i] = url.PathEscape(s)
		}
	}
	return Prefix + "changes/" + url.PathEscape(forge) + "/" + strings.Join(segs, "/") + "/" + strconv.Itoa(number)
}

// intParam reads a query parameter that must be a whole number in [1, maxN]; missing,
// it is def.
func intParam(r *http.Request, name string, def, maxN int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxN {
		return 0, httpError{http.StatusBadRequest, fmt.Sprintf("%s: want a number from 1 to %d", name, maxN), nil}
	}
	return n, nil
}

// more is the link to the same list twice as long, when the list was full and may go
// on.
func more(r *http.Request, got, limit int) string {
	if got < limit || limit >= maxLimit {
		return ""
	}
	q := r.URL.Query()
	q.Set("limit", strconv.Itoa(min(2*limit, maxLimit)))
	return r.URL.Path + "?" + q.Encode()
}

func (p *Page) list(w http.ResponseWriter, r *http.Request, name string, f queue.Filter, pg page) error {
	limit, err := intParam(r, "limit", defaultLimit, maxLimit)
	if err != nil {
		return err
	}
	f.Limit = limit
	reviews, err := p.o.Reviews.List(r.Context(), f)
	if err != nil {
		return err
	}
	for _, rv := range reviews {
		pg.Rows = append(pg.Rows, p.row(rv))
	}
	pg.Limit, pg.More = limit, more(r, len(reviews), limit)
	return p.render(w, name, pg)
}

// recent shows the newest reviews, of one repository with ?forge=&repo= (the cost
// view links there).
func (p *Page) recent(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := queue.Filter{Forge: q.Get("forge"), Repo: q.Get("repo")}
	if f.Forge != "" && f.Forge != "github" && f.Forge != "gitlab" {
		return httpError{http.StatusBadRequest, "forge: want github or gitlab", nil}
	}
	pg := page{Title: "Recent reviews", Nav: "recent"}
	if f.Repo != "" {
		pg.Repo = p.text(f.Repo, 200)
	}
	return p.list(w, r, "recent", f, pg)
}

func (p *Page) failures(w http.ResponseWriter, r *http.Request) error {
	return p.list(w, r, "failures", queue.Filter{Failed: true}, page{Title: "Failures", Nav: "failures"})
}

// change shows one change's reviews: /ui/changes/{forge}/{repo...}/{number}, the
// repository's path being any number of segments.
func (p *Page) change(w http.ResponseWriter, r *http.Request) error {
	notFound := httpError{http.StatusNotFound, "want /ui/changes/{forge}/{repository}/{number}", nil}
	rest := strings.TrimPrefix(r.URL.Path, Prefix+"changes/")
	forge, rest, ok := strings.Cut(rest, "/")
	i := strings.LastIndexByte(rest, '/')
	if !ok || (forge != "github" && forge != "gitlab") || i <= 0 {
		return notFound
	}
	repo := rest[:i]
	number, err := strconv.Atoi(rest[i+1:])
	if err != nil || number < 1 {
		return notFound
	}
	head := &changeHead{Forge: forge, Repo: p.text(repo, 200), Number: number}
	pg := page{Title: "Change", Nav: "recent", Change: head}
	limit, err := intParam(r, "limit", defaultLimit, maxLimit)
	if err != nil {
		return err
	}
	reviews, err := p.o.Reviews.List(r.Context(), queue.Filter{Forge: forge, Repo: repo, Change: number, Limit: limit})
	if err != nil {
		return err
	}
	var cost float64
	for _, rv := range reviews {
		pg.Rows = append(pg.Rows, p.row(rv))
		cost += rv.CostUSD
	}
	pg.CostUSD, pg.Limit, pg.More = money(cost), limit, more(r, len(reviews), limit)
	return p.render(w, "change", pg)
}

func (p *Page) cost(w http.ResponseWriter, r *http.Request) error {
	days, err := intParam(r, "days", defaultDays, maxDays)
	if err != nil {
		return err
	}
	today := queue.DayStart(queue.Day(p.o.Now()))
	first := today.AddDate(0, 0, -(days - 1))
	rows, err := p.o.Reviews.CostPerDay(r.Context(), first)
	if err != nil {
		return err
	}
	pg := page{Title: "Cost per repository per day", Nav: "cost", Days: days}
	totals := map[int64]float64{}
	for i, d := range rows {
		totals[d.Day] += d.CostUSD
		if i >= maxCostRows {
			pg.CostMore = true
			continue
		}
		pg.Cost = append(pg.Cost, costRow{
			Day: d.DayStart.Format(time.DateOnly), Forge: p.text(d.Forge, 10), Repo: p.text(d.Repo, 100),
			RepoURL: Prefix + "?" + url.Values{"forge": {d.Forge}, "repo": {d.Repo}}.Encode(),
			Reviews: d.Reviews, Failed: d.Failed, Tokens: d.PromptTokens + d.CompletionTokens, Cached: d.CachedTokens,
			Cost: money(d.CostUSD),
		})
	}
	pg.Chart = newChart(first, days, totals)
	return p.render(w, "cost", pg)
}

func (p *Page) queue(w http.ResponseWriter, r *http.Request) error {
	depth, err := p.o.Queue.Depth(r.Context())
	if err != nil {
		return err
	}
	pg := page{Title: "Queue", Nav: "queue", RiverUI: p.o.RiverUI, Queue: []queueCount{
		{"waiting", "queued, or held by the debounce or a retry's wait", depth["available"] + depth["scheduled"] + depth["pending"]},
		{"running", "being reviewed now", depth["running"]},
		{"retrying", "failed, to be tried again", depth["retryable"]},
		{"completed", "done (kept a day)", depth["completed"]},
		{"cancelled", "superseded or given up", depth["cancelled"]},
		{"discarded", "failed for good (kept a week)", depth["discarded"]},
	}}
	return p.render(w, "queue", pg)
}
