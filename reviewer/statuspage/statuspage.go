package statuspage

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// Reviews is the review history the page reads (*queue.History).
type Reviews interface {
	List(ctx context.Context, f queue.Filter) ([]queue.Review, error)
	CostPerDay(ctx context.Context, since time.Time) ([]queue.RepoDay, error)
}

// Depther counts the queue's jobs by state (*queue.Queue).
type Depther interface {
	Depth(ctx context.Context) (map[string]int, error)
}

// Options configure the page.
type Options struct {
	Reviews Reviews
	Queue   Depther
	// Token, when set, is accepted as "Authorization: Bearer <token>" and by the login
	// form, which sets a cookie signed with a key derived from it.
	Token string
	// Users, when set, are the basic-auth users and their bcrypt hashes (ParseUsers).
	Users map[string][]byte
	// Off is the line a 403 shows when neither Token nor Users is set: how to turn the
	// page on.
	Off string
	// Text neutralises hostile text for display, cut to maxRunes: required.
	Text func(s string, maxRunes int) string
	// RiverUI, when set, is a line the queue view shows about River's own UI.
	RiverUI string
	Logger  *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Page is the status page, an http.Handler for the paths under Prefix.
type Page struct {
	o    Options
	auth *auth
	log  *slog.Logger
	tmpl *template.Template
	mux  *http.ServeMux
}

// Prefix is where the page is mounted.
const Prefix = "/ui/"

//go:embed templates/*.html templates/style.css
var files embed.FS

// New builds the page.
func New(o Options) (*Page, error) {
	if o.Text == nil || o.Reviews == nil || o.Queue == nil {
		return nil, errors.New("statuspage: Options.Text, Reviews and Queue are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	p := &Page{o: o, log: o.Logger}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if p.auth, err = newAuth(o); err != nil {
		return nil, err
	}
	if p.tmpl, err = template.New("").Funcs(p.funcs()).ParseFS(files, "templates/*.html"); err != nil {
		return nil, err
	}
	p.mux = http.NewServeMux()
	p.mux.Handle("GET /ui/{$}", p.authed(p.recent))
	p.mux.Handle("GET /ui/changes/", p.authed(p.change))
	p.mux.Handle("GET /ui/failures", p.authed(p.failures))
	p.mux.Handle("GET /ui/cost", p.authed(p.cost))
	p.mux.Handle("GET /ui/queue", p.authed(p.queue))
	p.mux.HandleFunc("GET /ui/style.css", p.style)
	p.mux.Handle("GET /ui/login", p.handler(p.loginForm))
	// The login form is the page's one POST: cross-origin posts are refused (a site can
	// not log a visitor in with its own token).
	p.mux.Handle("POST /ui/login", http.NewCrossOriginProtection().Handler(p.handler(p.login)))
	p.mux.Handle("GET /ui/", p.authed(func(http.ResponseWriter, *http.Request) error {
		return httpError{http.StatusNotFound, "no such page", nil}
	}))
	return p, nil
}

// ServeHTTP serves the page: security headers on every answer, 403 while no
// credentials are configured, 405 for any method that could change something.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if !p.auth.on() {
		http.Error(w, p.o.Off, http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && (r.Method != http.MethodPost || r.URL.Path != "/ui/login") {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "the status page is read-only: GET only", http.StatusMethodNotAllowed)
		return
	}
	p.mux.ServeHTTP(w, r)
}

// httpError is an error with the status and the public message it answers with; err,
// when set, goes to the log only.
type httpError struct {
	code int
	msg  string
	err  error
}

func (e httpError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e httpError) Unwrap() error { return e.err }

// handler turns a handler that returns an error into an http.Handler: an httpError
// answers with its status and message, any other error with a 500 whose details go to
// the log only.
func (p *Page) handler(f func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := f(w, r)
		if err == nil {
			return
		}
		var he httpError
		if !errors.As(err, &he) {
			he = httpError{http.StatusInternalServerError, "the status page could not read the review history", err}
		}
		if he.err != nil {
			p.log.ErrorContext(r.Context(), "status page", slog.String("path", r.URL.Path), slog.String("error", he.Error()))
		}
		http.Error(w, he.msg, he.code)
	})
}

// authed is handler behind the credentials: a request without good ones gets a 401.
func (p *Page) authed(f func(http.ResponseWriter, *http.Request) error) http.Handler {
	h := p.handler(f)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.auth.ok(r, p.o.Now()) {
			p.auth.challenge(w.Header())
			_ = p.renderStatus(w, http.StatusUnauthorized, "unauthorized", page{Title: "Sign in", Login: p.auth.hasToken})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// render executes a template into a buffer first, so that a failure midway sends a
// 500 rather than half a page.
func (p *Page) render(w http.ResponseWriter, name string, data page) error {
	return p.renderStatus(w, http.StatusOK, name, data)
}

func (p *Page) renderStatus(w http.ResponseWriter, code int, name string, data page) error {
	data.View = name
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, err := buf.WriteTo(w)
	return err
}

func (p *Page) style(w http.ResponseWriter, _ *http.Request) {
	css, err := files.ReadFile("templates/style.css")
	if err != nil {
		http.Error(w, "no style", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(css)
}
