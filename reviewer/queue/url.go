package queue

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// dialect is the kind of database a queue URL names.
type dialect int

const (
	dialectSQLite dialect = iota + 1
	dialectPostgres
)

// target is a parsed queue URL.
type target struct {
	dialect dialect
	// path is the SQLite database file, dsn the PostgreSQL connection URL as given.
	path, dsn string
	// redacted names the URL in errors and logs: the password is masked.
	redacted string
	// secrets are the values no error may show, masked in the driver's error text too.
	secrets []string
}

// schemeRE matches a URL scheme as RFC 3986 spells it, so a scheme can be named in an
// error even when the rest of the URL does not parse (and cannot be shown: it may hold a
// password).
var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// parseURL reads a queue URL. The SQLite forms are sqlite:///abs/path.db and
// sqlite://rel/path.db, the latter relative to the working directory (the host part is
// taken as the path's first element, as SQLite's own URIs do not allow a host).
func parseURL(raw string) (target, error) {
	if strings.TrimSpace(raw) == "" {
		return target{}, errors.New("queue url is empty (want sqlite:///path/reviewer.db or postgres://...)")
	}
	scheme := ""
	if m := schemeRE.FindStringSubmatch(raw); m != nil {
		scheme = strings.ToLower(m[1])
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the whole URL, password included: say only what it is.
		if scheme == "" {
			return target{}, errors.New("queue url does not parse and has no scheme (want sqlite:///path/reviewer.db or postgres://...)")
		}
		return target{}, fmt.Errorf("queue url with scheme %q does not parse", scheme)
	}
	t := target{redacted: redactURL(u), secrets: secretsOf(u)}
	switch scheme {
	case "sqlite":
		return parseSQLite(u, t)
	case "postgres", "postgresql":
		if u.Opaque != "" {
			return target{}, fmt.Errorf("queue url %q: want postgres://[user[:password]@]host[:port]/database", t.redacted)
		}
		t.dialect = dialectPostgres
		t.dsn = raw
		return t, nil
	case "":
		return target{}, fmt.Errorf("queue url %q has no scheme (want sqlite:///path/reviewer.db or postgres://...)", t.redacted)
	default:
		return target{}, fmt.Errorf("queue url %q: unsupported scheme %q (want sqlite or postgres)", t.redacted, scheme)
	}
}

func parseSQLite(u *url.URL, t target) (target, error) {
	t.dialect = dialectSQLite
	if u.Opaque != "" {
		return target{}, fmt.Errorf("queue url %q: want sqlite:///absolute/path.db or sqlite://relative/path.db", t.redacted)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// The connection settings the queue depends on (WAL, one writer, busy timeout)
		// are not the user's to change, and credentials mean a mistyped scheme.
		return target{}, fmt.Errorf("queue url %q: a sqlite url takes only a path", t.redacted)
	}
	p := u.Host + u.Path
	if p == "" {
		return target{}, fmt.Errorf("queue url %q: no database path", t.redacted)
	}
	if p == ":memory:" || strings.HasPrefix(p, "file:") {
		return target{}, fmt.Errorf("queue url %q: the queue must be a file, to outlive the process", t.redacted)
	}
	if strings.ContainsAny(p, "?#") {
		return target{}, fmt.Errorf("queue url %q: the database path may not contain ? or #", t.redacted)
	}
	dir := filepath.Dir(p)
	// The operator names the file in the service's configuration; checking its directory
	// turns SQLite's "unable to open database file" into something actionable.
	if info, err := os.Stat(dir); err != nil || !info.IsDir() { //nolint:gosec // the operator's own path
		return target{}, fmt.Errorf("queue url %q: directory %s does not exist", t.redacted, dir)
	}
	t.path = p
	return t, nil
}

// redactURL is u with its password and password-like query values masked. An opaque
// URL (scheme:rest, as "user:password@host" parses) is shown by its scheme alone: its
// rest may be anything, a password included.
func redactURL(u *url.URL) string {
	if u.Opaque != "" {
		return u.Scheme + ":..."
	}
	c := *u
	// A query that does not parse can not be searched for a password: mask it whole.
	if _, err := url.ParseQuery(c.RawQuery); err != nil {
		c.RawQuery = "xxxxx"
	} else if q := c.Query(); len(q) > 0 {
		changed := false
		for k := range q {
			if isSecretParam(k) {
				q.Set(k, "xxxxx")
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.Redacted()
}

func secretsOf(u *url.URL) []string {
	var s []string
	if p, ok := u.User.Password(); ok && p != "" {
		s = append(s, p, url.QueryEscape(p), url.PathEscape(p))
	}
	for k, vs := range u.Query() {
		if isSecretParam(k) {
			for _, v := range vs {
				if v != "" {
					s = append(s, v, url.QueryEscape(v))
				}
			}
		}
	}
	return s
}

func isSecretParam(k string) bool {
	k = strings.ToLower(k)
	return k == "password" || k == "sslpassword"
}

// redactedError masks the URL's secrets in a driver's error text, which may quote the
// connection string; Unwrap keeps errors.Is working for timeouts and cancellation.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact wraps err as "<what> <redacted url>: <err>" with every secret masked.
func (t target) redact(what string, err error) error {
	return t.mask(fmt.Sprintf("%s %s: %v", what, t.redacted, err), err)
}

func (t target) mask(msg string, err error) error {
	for _, s := range t.secrets {
		msg = strings.ReplaceAll(msg, s, "xxxxx")
	}
	return &redactedError{msg: msg, err: err}
}

// RedactURL is a queue URL fit for a log: its password, in the user part or the query,
// masked. A URL that does not parse is masked whole after its scheme.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		scheme, _, _ := strings.Cut(raw, ":")
		return scheme + ":..."
	}
	return redactURL(u)
}
