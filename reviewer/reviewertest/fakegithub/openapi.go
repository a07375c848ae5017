package fakegithub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// openAPI checks requests against GitHub's reduced OpenAPI description
// (testdata/api.github.com.reduced.json, embedded): the method and path template must exist, the
// query parameters must be declared, and a JSON body must validate against the
// operation's requestBody schema. OpenAPI 3.0 schemas are JSON Schema draft 4 with
// extensions; "nullable" is rewritten into a "null" type before compiling.
type openAPI struct {
	ops []*operation
}

type operation struct {
	method, template string
	re               *regexp.Regexp
	query            map[string]bool
	body             *jsonschema.Schema // nil when the operation takes no body
	offSpec          bool
}

// offSpec lists the endpoints the adapter calls that the reduced description does not
// hold; they are checked by method and path only.
var offSpec = []string{
	// Tree lists a revision in one request: https://docs.github.com/rest/git/trees#get-a-tree
	"GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
	// Compare reads a push's diff: https://docs.github.com/rest/commits/commits#compare-two-commits
	"GET /repos/{owner}/{repo}/compare/{basehead}",
	// The installation-token exchange (app.go): https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app
	"POST /app/installations/{installation_id}/access_tokens",
	// The bot's identity: https://docs.github.com/rest/users/users#get-the-authenticated-user
	// and, with App auth, https://docs.github.com/rest/apps/apps#get-the-authenticated-app
	"GET /user",
	"GET /app",
	// Who may ask for a review: https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user
	"GET /repos/{owner}/{repo}/collaborators/{username}/permission",
	// reviewer setup github: https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest
	"POST /app-manifests/{code}/conversions",
	// reviewer learn: https://docs.github.com/rest/repos/repos#get-a-repository,
	// https://docs.github.com/rest/branches/branches#get-a-branch, the git data API
	// (https://docs.github.com/rest/git/commits, /trees, /refs) and the pull requests of
	// its branch (https://docs.github.com/rest/pulls/pulls).
	"GET /repos/{owner}/{repo}",
	"GET /repos/{owner}/{repo}/branches/{branch}",
	"GET /repos/{owner}/{repo}/git/commits/{commit_sha}",
	"POST /repos/{owner}/{repo}/git/trees",
	"POST /repos/{owner}/{repo}/git/commits",
	"GET /repos/{owner}/{repo}/git/ref/{ref}",
	"POST /repos/{owner}/{repo}/git/refs",
	"PATCH /repos/{owner}/{repo}/git/refs/{ref}",
	"GET /repos/{owner}/{repo}/pulls",
	"POST /repos/{owner}/{repo}/pulls",
	"PATCH /repos/{owner}/{repo}/pulls/{pull_number}",
}

var loadOpenAPI = sync.OnceValues(func() (*openAPI, error) {
	data, err := testdata.ReadFile("testdata/api.github.com.reduced.json")
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	nullable(doc)
	components := doc["components"].(map[string]any)
	params := components["parameters"].(map[string]any)

	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	spec := &openAPI{}
	paths := doc["paths"].(map[string]any)
	templates := make([]string, 0, len(paths))
	for p := range paths {
		templates = append(templates, p)
	}
	sort.Strings(templates)
	for _, tmpl := range templates {
		item := paths[tmpl].(map[string]any)
		for method, v := range item {
			opDoc, ok := v.(map[string]any)
			if !ok || method == "parameters" {
				continue
			}
			op := &operation{method: strings.ToUpper(method), template: tmpl, re: templateRE(tmpl), query: map[string]bool{}}
			list, _ := opDoc["parameters"].([]any)
			pathLevel, _ := item["parameters"].([]any)
			for _, p := range append(list, pathLevel...) {
				pm := p.(map[string]any)
				if ref, ok := pm["$ref"].(string); ok {
					pm = params[strings.TrimPrefix(ref, "#/components/parameters/")].(map[string]any)
				}
				if pm["in"] == "query" {
					op.query[pm["name"].(string)] = true
				}
			}
			if rb, ok := opDoc["requestBody"].(map[string]any); ok {
				schema := rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
				// The schema becomes a resource of its own, with the components beside it
				// so that its "#/components/..." references resolve.
				res := map[string]any{"components": components}
				for k, v := range schema {
					res[k] = v
				}
				loc := fmt.Sprintf("mem:///%s%s.json", method, strings.NewReplacer("{", "", "}", "").Replace(tmpl))
				if err := c.AddResource(loc, res); err != nil {
					return nil, err
				}
				if op.body, err = c.Compile(loc); err != nil {
					return nil, fmt.Errorf("compile %s %s: %w", op.method, tmpl, err)
				}
			}
			spec.ops = append(spec.ops, op)
		}
	}
	for _, s := range offSpec {
		method, tmpl, _ := strings.Cut(s, " ")
		spec.ops = append(spec.ops, &operation{method: method, template: tmpl, re: templateRE(tmpl), offSpec: true})
	}
	return spec, nil
})

func templateRE(tmpl string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, part := range regexp.MustCompile(`\{[^}]+\}|[^{]+`).FindAllString(tmpl, -1) {
		switch {
		case part == "{path}", part == "{ref}":
			// The contents API's path and a git reference (heads/reviewer/learn) hold slashes.
			b.WriteString(`.+`)
		case strings.HasPrefix(part, "{"):
			b.WriteString(`[^/]+`)
		default:
			b.WriteString(regexp.QuoteMeta(part))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// nullable rewrites OpenAPI 3.0's "nullable: true" as a JSON Schema "null" type.
func nullable(v any) {
	switch v := v.(type) {
	case map[string]any:
		if v["nullable"] == true {
			if t, ok := v["type"].(string); ok {
				v["type"] = []any{t, "null"}
			}
			if e, ok := v["enum"].([]any); ok {
				v["enum"] = append(e, nil)
			}
			delete(v, "nullable")
		}
		for _, x := range v {
			nullable(x)
		}
	case []any:
		for _, x := range v {
			nullable(x)
		}
	}
}

// validate checks one request; path is relative to the API root ("/repos/...").
func (o *openAPI) validate(method, path string, query url.Values, body []byte) error {
	var pathFound bool
	for _, op := range o.ops {
		if !op.re.MatchString(path) {
			continue
		}
		pathFound = true
		if op.method != method {
			continue
		}
		if op.offSpec {
			return nil
		}
		for k := range query {
			if !op.query[k] {
				return fmt.Errorf("%s %s: query parameter %q is not declared by %s", method, path, k, op.template)
			}
		}
		if op.body == nil {
			if len(bytes.TrimSpace(body)) > 0 {
				return fmt.Errorf("%s %s: %s takes no body", method, path, op.template)
			}
			return nil
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("%s %s: body is not JSON: %w", method, path, err)
		}
		if err := op.body.Validate(v); err != nil {
			return fmt.Errorf("%s %s: body does not match %s: %w", method, path, op.template, err)
		}
		return nil
	}
	if pathFound {
		return fmt.Errorf("%s %s: method not in the description", method, path)
	}
	return fmt.Errorf("%s %s: path not in the description", method, path)
}
