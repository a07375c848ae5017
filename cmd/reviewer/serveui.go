package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/statuspage"
)

// uiOff is what /ui/ answers while no credentials are configured.
const uiOff = "the status page is off: set server.ui.token_file (REVIEWER_SERVER_UI_TOKEN_FILE) to a file holding a token, " +
	"or server.ui.basic_auth_file to a file of user:bcrypt-hash lines (htpasswd -nB user), and restart reviewer serve\n"

// uiRiver is the queue view's line on River's own UI, which is not mounted: see
// README.md, "Status page".
const uiRiver = "River's own UI (riverui) is not mounted here: it changes jobs (cancel, retry, delete) where this page only reads, " +
	"and it needs PostgreSQL through pgx; on PostgreSQL it can run as its own service against queue.url."

// statusPage builds the status page from server.ui's secret files. A file that can not
// be read, or holds no valid credentials, stops serve with the key that names it.
func statusPage(e env, c *Config, q *queue.Queue, logger *slog.Logger) (*statuspage.Page, error) {
	o := statuspage.Options{Reviews: q.History(), Queue: q, Off: uiOff, Text: termSafe, RiverUI: uiRiver, Logger: logger}
	if path := c.Server.UI.TokenFile; path != "" {
		data, err := os.ReadFile(e.abs(path))
		if err != nil {
			return nil, usageError(fmt.Errorf("server.ui.token_file: %w", err))
		}
		if o.Token, err = statuspage.ParseToken(data); err != nil {
			return nil, usageError(fmt.Errorf("server.ui.token_file %s: %w", path, err))
		}
	}
	if path := c.Server.UI.BasicAuthFile; path != "" {
		data, err := os.ReadFile(e.abs(path))
		if err != nil {
			return nil, usageError(fmt.Errorf("server.ui.basic_auth_file: %w", err))
		}
		if o.Users, err = statuspage.ParseUsers(data); err != nil {
			return nil, usageError(fmt.Errorf("server.ui.basic_auth_file %s: %w", path, err))
		}
	}
	return statuspage.New(o)
}

// withStatusPage serves the status page under /ui/ beside the webhook intake.
func withStatusPage(hooks http.Handler, ui *statuspage.Page) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(statuspage.Prefix, ui)
	mux.Handle("/", hooks)
	return mux
}
