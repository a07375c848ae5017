package statuspage

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// MinTokenLen is the shortest token the page accepts: a token is a password no one
// types, so there is no reason for a short one.
const MinTokenLen = 16

// ParseToken reads a token file's content: the token, without surrounding space. It
// must be at least MinTokenLen bytes, one line.
func ParseToken(data []byte) (string, error) {
	tok := strings.TrimSpace(string(data))
	switch {
	case tok == "":
		return "", errors.New("the file is empty")
	case strings.ContainsAny(tok, "\r\n"):
		return "", errors.New("the token is more than one line")
	case len(tok) < MinTokenLen:
		return "", fmt.Errorf("the token is %d bytes; at least %d (openssl rand -hex 32 makes one)", len(tok), MinTokenLen)
	}
	return tok, nil
}

// ParseUsers reads a basic-auth file: one "user:bcrypt-hash" a line, as htpasswd -B
// writes it. Blank lines and lines starting with # are skipped. Any other line that is
// not a user and a bcrypt hash is an error naming its line.
func ParseUsers(data []byte) (map[string][]byte, error) {
	users := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	var errs []error
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok || user == "" {
			errs = append(errs, fmt.Errorf("line %d: want user:bcrypt-hash", n))
			continue
		}
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			errs = append(errs, fmt.Errorf("line %d (user %q): not a bcrypt hash (htpasswd -nB %s makes one)", n, user, user))
			continue
		}
		if _, dup := users[user]; dup {
			errs = append(errs, fmt.Errorf("line %d: user %q again", n, user))
			continue
		}
		users[user] = []byte(hash)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, errors.New("no user in the file")
	}
	return users, nil
}

// auth checks a request's credentials.
type auth struct {
	token    [sha256.Size]byte // of Options.Token
	hasToken bool
	cookie   []byte // the key that signs login cookies, derived from the token
	users    map[string][]byte
	// dummy is compared against when the user is unknown, so that an unknown user
	// takes as long as a wrong password.
	dummy []byte

	mu sync.Mutex
	// good remembers the digests of basic credentials that bcrypt accepted: bcrypt
	// costs tens of milliseconds on purpose, and a browser sends them with every
	// request. Bounded; cleared when full.
	good map[[sha256.Size]byte]bool
	// bcryptSlot holds the one bcrypt comparison that may run; compare is
	// bcrypt.CompareHashAndPassword.
	bcryptSlot chan struct{}
	compare    func(hash, password []byte) error
}

// cookieName is the login cookie; its value is "expiry.mac".
const cookieName = "reviewer_ui"

// cookieAge is how long a login lasts.
const cookieAge = 12 * time.Hour

func newAuth(o Options) (*auth, error) {
	a := &auth{users: o.Users, good: map[[sha256.Size]byte]bool{}, bcryptSlot: make(chan struct{}, 1),
		compare: bcrypt.CompareHashAndPassword}
	if o.Token != "" {
		if len(o.Token) < MinTokenLen {
			return nil, fmt.Errorf("the token is %d bytes; at least %d", len(o.Token), MinTokenLen)
		}
		a.token, a.hasToken = sha256.Sum256([]byte(o.Token)), true
		mac := hmac.New(sha256.New, []byte(o.Token))
		mac.Write([]byte("reviewer status page login cookie"))
		a.cookie = mac.Sum(nil)
	}
	if len(a.users) > 0 {
		// The dummy costs what the dearest user's hash costs: a cheaper one would tell an
		// unknown user from a known one by how fast the 401 comes.
		cost := bcrypt.MinCost
		for _, h := range a.users {
			if c, err := bcrypt.Cost(h); err == nil && c > cost {
				cost = c
			}
		}
		var err error
		if a.dummy, err = bcrypt.GenerateFromPassword([]byte("not a password anyone has"), cost); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a *auth) on() bool { return a.hasToken || len(a.users) > 0 }

// ok reports whether r carries good credentials: a bearer token, a login cookie, or a
// basic-auth user and password. Every comparison takes the same time whatever it
// compares.
func (a *auth) ok(r *http.Request, now time.Time) bool {
	if a.hasToken {
		if tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
			return a.tokenOK(tok)
		}
		if c, err := r.Cookie(cookieName); err == nil && a.cookieOK(c.Value, now) {
			return true
		}
	}
	if len(a.users) > 0 {
		if user, pass, found := r.BasicAuth(); found {
			return a.basicOK(user, pass)
		}
	}
	return false
}

func (a *auth) tokenOK(tok string) bool {
	got := sha256.Sum256([]byte(tok))
	return subtle.ConstantTimeCompare(got[:], a.token[:]) == 1
}

func (a *auth) basicOK(user, pass string) bool {
	key := sha256.Sum256([]byte(user + "\x00" + pass))
	a.mu.Lock()
	cached := a.good[key]
	a.mu.Unlock()
	if cached {
		return true
	}
	// bcrypt is slow on purpose: one comparison at a time, and a guess that comes while
	// one runs is refused, so that guesses can not take the cores the reviews need.
	select {
	case a.bcryptSlot <- struct{}{}:
		defer func() { <-a.bcryptSlot }()
	default:
		return false
	}
	hash, known := a.users[user]
	if !known {
		_ = a.compare(a.dummy, []byte(pass))
		return false
	}
	if a.compare(hash, []byte(pass)) != nil {
		return false
	}
	a.mu.Lock()
	if len(a.good) >= 64 {
		clear(a.good)
	}
	a.good[key] = true
	a.mu.Unlock()
	return true
}

// newCookie is the value of a login cookie that lasts until exp.
func (a *auth) newCookie(exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return e + "." + hex.EncodeToString(a.mac(e))
}

func (a *auth) mac(expiry string) []byte {
	m := hmac.New(sha256.New, a.cookie)
	m.Write([]byte(expiry))
	return m.Sum(nil)
}

// cookieOK checks a login cookie's signature, then its expiry.
func (a *auth) cookieOK(v string, now time.Time) bool {
	e, sig, found := strings.Cut(v, ".")
	if !found {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, a.mac(e)) {
		return false
	}
	exp, err := strconv.ParseInt(e, 10, 64)
	return err == nil && now.Unix() < exp
}

// challenge sets the WWW-Authenticate headers of a 401: Basic when users are
// configured (a browser then asks for them), Bearer when a token is.
func (a *auth) challenge(h http.Header) {
	if len(a.users) > 0 {
		h.Add("WWW-Authenticate", `Basic realm="reviewer status page", charset="UTF-8"`)
	}
	if a.hasToken {
		h.Add("WWW-Authenticate", `Bearer realm="reviewer status page"`)
	}
}
