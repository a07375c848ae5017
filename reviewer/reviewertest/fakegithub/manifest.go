package fakegithub

import (
	"net/http"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

// ManifestCode makes code one GitHub gives the browser after a GitHub App is registered
// from a manifest: POST /app-manifests/{code}/conversions trades it, once, for the App
// (GitHub's example answer, testdata/integration-from-manifest.json). Codes GitHub does
// not know, or knows no more, get its 404.
func (f *Server) ManifestCode(code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.manifestCodes == nil {
		f.manifestCodes = map[string]bool{}
	}
	f.manifestCodes[code] = true
}

// ManifestApp is GitHub's example answer to the conversion, as the fake serves it.
func (f *Server) ManifestApp() map[string]any {
	var app map[string]any
	f.fixture("integration-from-manifest.json", &app)
	return app
}

// manifestRoute mounts the conversion: the code is its credential, so a request carrying
// a token is a problem (it would hand the token to whoever serves the code), and a
// FailNext failure is served first.
//
// GitHub API docs: https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest
func (f *Server) manifestRoute() {
	const name = "complete app manifest"
	f.state.HandleFunc("POST /app-manifests/{code}/conversions", func(w http.ResponseWriter, r *http.Request) {
		req, _ := r.Context().Value(requestKey{}).(Request)
		if a := r.Header.Get("Authorization"); a != "" {
			f.log.Problem("%s: sent Authorization %q, the code is the only credential", req, a)
		}
		f.log.CheckParams(req, nil, nil, nil)
		f.mu.Lock()
		var fail *Failure
		if q := f.fail[name]; len(q) > 0 {
			fail, f.fail[name] = &q[0], q[1:]
		}
		code := r.PathValue("code")
		known := f.manifestCodes[code]
		delete(f.manifestCodes, code)
		f.mu.Unlock()
		switch {
		case fail != nil:
			for k, v := range fail.Header {
				w.Header()[k] = v
			}
			WriteError(w, fail.Status, http.StatusText(fail.Status))
		case !known:
			WriteError(w, http.StatusNotFound, "Not Found")
		default:
			fakeforge.WriteJSON(w, http.StatusCreated, f.ManifestApp())
		}
	})
}
