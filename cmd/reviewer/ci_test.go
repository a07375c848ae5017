package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gitLabMRPipeline is the variable set GitLab CI gives a job of a merge request pipeline,
// with the names and example values of GitLab's "Predefined CI/CD variables" reference.
func gitLabMRPipeline() map[string]string {
	return map[string]string{
		"CI":                                  "true",
		"GITLAB_CI":                           "true",
		"CI_PIPELINE_SOURCE":                  "merge_request_event",
		"CI_SERVER_URL":                       "https://gitlab.example.com",
		"CI_API_V4_URL":                       "https://gitlab.example.com/api/v4",
		"CI_PROJECT_ID":                       "4815",
		"CI_PROJECT_PATH":                     "acme/platform/client",
		"CI_PROJECT_DIR":                      "/builds/acme/platform/client",
		"CI_COMMIT_SHA":                       "ad8ce15e38e1272dc4c167e649a15d47b31cde97",
		"CI_COMMIT_REF_NAME":                  "feature/retry",
		"CI_MERGE_REQUEST_IID":                "7",
		"CI_MERGE_REQUEST_ID":                 "271828",
		"CI_MERGE_REQUEST_PROJECT_ID":         "4815",
		"CI_MERGE_REQUEST_PROJECT_PATH":       "acme/platform/client",
		"CI_MERGE_REQUEST_PROJECT_URL":        "https://gitlab.example.com/acme/platform/client",
		"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/retry",
		"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
		"CI_MERGE_REQUEST_DIFF_BASE_SHA":      "45c7cfb8cf397a545392b0019f6d6ef712ca9971",
		"CI_MERGE_REQUEST_EVENT_TYPE":         "detached",
		"CI_JOB_TOKEN":                        "glcbt-64_job-token",
	}
}

// gitLabBranchPipeline is a push pipeline of the same project: no merge request variables.
func gitLabBranchPipeline() map[string]string {
	v := gitLabMRPipeline()
	for k := range v {
		if strings.HasPrefix(k, "CI_MERGE_REQUEST_") {
			delete(v, k)
		}
	}
	v["CI_PIPELINE_SOURCE"] = "push"
	return v
}

// gitHubActions is the variable set GitHub Actions gives a step of a workflow run for event,
// with the payload at GITHUB_EVENT_PATH.
func gitHubActions(event, eventPath string) map[string]string {
	return map[string]string{
		"CI":                "true",
		"GITHUB_ACTIONS":    "true",
		"GITHUB_EVENT_NAME": event,
		"GITHUB_EVENT_PATH": eventPath,
		"GITHUB_REPOSITORY": "Codertocat/Hello-World",
		"GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_API_URL":    "https://api.github.com",
		"GITHUB_SHA":        "9d3f6a1c1b1a6c2b0d7e1b7f1f7c9c2f3b4a5d6e",
		"GITHUB_WORKSPACE":  "/github/workspace",
		"GITHUB_TOKEN":      "ghs_actions-token",
	}
}

// The pull_request event payload of testdata/ci (octokit's webhook example, which is also
// what Actions writes to GITHUB_EVENT_PATH).
const (
	ghEventFile = "testdata/ci/github-event.pull_request.opened.json"
	ghEventHead = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	ghEventBase = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
)

// editEvent writes a copy of the event payload with edit applied, and returns its path.
func editEvent(t *testing.T, edit func(pr map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(ghEventFile)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	edit(ev["pull_request"].(map[string]any))
	data, err = json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "event.json")
	writeFile(t, path, string(data))
	return path
}

func TestDetectCI(t *testing.T) {
	t.Parallel()
	forkEvent := editEvent(t, func(pr map[string]any) {
		pr["head"].(map[string]any)["repo"].(map[string]any)["full_name"] = "mallory/Hello-World"
	})
	deletedFork := editEvent(t, func(pr map[string]any) { pr["head"].(map[string]any)["repo"] = nil })
	merged := gitLabMRPipeline()
	merged["CI_COMMIT_SHA"] = "0b5e3c5d8a1f4e2d9c7b6a5f4e3d2c1b0a9f8e7d" // the merge result
	merged["CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"] = "ad8ce15e38e1272dc4c167e649a15d47b31cde97"
	merged["CI_MERGE_REQUEST_EVENT_TYPE"] = "merged_result"
	noIID := gitLabMRPipeline()
	noIID["CI_MERGE_REQUEST_IID"] = "seven"
	noServer := gitLabMRPipeline()
	delete(noServer, "CI_SERVER_URL")
	target := gitHubActions("pull_request_target", ghEventFile)
	target["GITHUB_TOKEN"] = "ghs_write-token"

	tests := []struct {
		name    string
		vars    map[string]string
		want    ciJob
		wantErr string
	}{
		{name: "gitlab merge request pipeline", vars: gitLabMRPipeline(), want: ciJob{provider: "GitLab CI",
			ref:    changeRef{forge: "gitlab", scheme: "https", host: "gitlab.example.com", repo: "acme/platform/client", number: 7},
			apiURL: "https://gitlab.example.com/api/v4", baseSHA: "45c7cfb8cf397a545392b0019f6d6ef712ca9971", headSHA: "ad8ce15e38e1272dc4c167e649a15d47b31cde97"}},
		{name: "gitlab merged results pipeline reviews the source branch's head", vars: merged, want: ciJob{provider: "GitLab CI",
			ref:    changeRef{forge: "gitlab", scheme: "https", host: "gitlab.example.com", repo: "acme/platform/client", number: 7},
			apiURL: "https://gitlab.example.com/api/v4", baseSHA: "45c7cfb8cf397a545392b0019f6d6ef712ca9971", headSHA: "ad8ce15e38e1272dc4c167e649a15d47b31cde97"}},
		{name: "gitlab branch pipeline", vars: gitLabBranchPipeline(), want: ciJob{provider: "GitLab CI",
			skip: `this is not a merge request pipeline (CI_PIPELINE_SOURCE=push, no CI_MERGE_REQUEST_IID); run the job with rules: [if: $CI_PIPELINE_SOURCE == "merge_request_event"]`}},
		{name: "gitlab bad iid", vars: noIID, wantErr: `CI_MERGE_REQUEST_IID="seven" is not a merge request number`},
		{name: "gitlab no server", vars: noServer, wantErr: "CI_SERVER_URL is unset"},
		{name: "github pull_request", vars: gitHubActions("pull_request", ghEventFile), want: ciJob{provider: "GitHub Actions",
			ref:    changeRef{forge: "github", scheme: "https", host: "github.com", repo: "Codertocat/Hello-World", number: 2},
			apiURL: "https://api.github.com", baseSHA: ghEventBase, headSHA: ghEventHead, token: "ghs_actions-token"}},
		{name: "github fork pull request gets a read-only token", vars: gitHubActions("pull_request", forkEvent), want: ciJob{provider: "GitHub Actions",
			ref:    changeRef{forge: "github", scheme: "https", host: "github.com", repo: "Codertocat/Hello-World", number: 2},
			apiURL: "https://api.github.com", baseSHA: ghEventBase, headSHA: ghEventHead, token: "ghs_actions-token",
			readOnly: "the pull request comes from a fork, and GitHub gives such workflows a read-only GITHUB_TOKEN"}},
		{name: "github pull request from a deleted fork", vars: gitHubActions("pull_request", deletedFork), want: ciJob{provider: "GitHub Actions",
			ref:    changeRef{forge: "github", scheme: "https", host: "github.com", repo: "Codertocat/Hello-World", number: 2},
			apiURL: "https://api.github.com", baseSHA: ghEventBase, headSHA: ghEventHead, token: "ghs_actions-token",
			readOnly: "the pull request comes from a fork, and GitHub gives such workflows a read-only GITHUB_TOKEN"}},
		{name: "github pull_request_target can write", vars: target, want: ciJob{provider: "GitHub Actions",
			ref:    changeRef{forge: "github", scheme: "https", host: "github.com", repo: "Codertocat/Hello-World", number: 2},
			apiURL: "https://api.github.com", baseSHA: ghEventBase, headSHA: ghEventHead, token: "ghs_write-token"}},
		{name: "github push", vars: gitHubActions("push", ghEventFile), want: ciJob{provider: "GitHub Actions",
			skip: `the workflow runs for a "push" event, not a pull request; run it on: pull_request`}},
		{name: "github missing payload", vars: gitHubActions("pull_request", "/nonexistent/event.json"),
			wantErr: "GITHUB_EVENT_PATH: open /nonexistent/event.json: no such file or directory"},
		{name: "github payload without a pull request", vars: gitHubActions("pull_request", "testdata/chat_completion.response.normal.json"),
			wantErr: "the pull_request event has no pull_request with a number and a head"},
		{name: "no CI", vars: map[string]string{"CI": "true", "JENKINS_URL": "https://ci.example.com/"},
			wantErr: "not in a GitLab CI or GitHub Actions job"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := detectCI(tt.vars, os.ReadFile)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(ciJob{}, changeRef{})); diff != "" {
				t.Errorf("detectCI (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCIAccess(t *testing.T) {
	t.Parallel()
	gh := ciJob{ref: changeRef{forge: "github"}, apiURL: "https://ghe.example.com/api/v3", token: "ghs_actions-token"}
	gl := ciJob{ref: changeRef{forge: "gitlab"}, apiURL: "https://gitlab.example.com/api/v4"}
	tests := []struct {
		name             string
		job              ciJob
		config           Config
		vars             map[string]string
		canRead, canPost bool
		why              string
		want             Config
	}{
		{name: "github actions token posts as github-actions[bot]", job: gh, canRead: true, canPost: true,
			want: Config{GitHub: GitHubConfig{BaseURL: "https://ghe.example.com/api/v3/", Token: "ghs_actions-token", BotLogin: "github-actions[bot]"}}},
		{name: "a configured token and login win", job: gh, canRead: true, canPost: true,
			config: Config{GitHub: GitHubConfig{BaseURL: "https://api.example/", Token: "ghp_own", BotLogin: "acme-reviewer"}},
			want:   Config{GitHub: GitHubConfig{BaseURL: "https://api.example/", Token: "ghp_own", BotLogin: "acme-reviewer"}}},
		{name: "fork: read, do not post", job: ciJob{ref: gh.ref, token: "ghs_ro", readOnly: "fork"}, canRead: true, why: "fork",
			want: Config{GitHub: GitHubConfig{Token: "ghs_ro", BotLogin: "github-actions[bot]"}}},
		{name: "fork: a configured token does not post either", job: ciJob{ref: gh.ref, readOnly: "fork"},
			config: Config{GitHub: GitHubConfig{Token: "ghs_ro"}}, canRead: true, why: "fork",
			want: Config{GitHub: GitHubConfig{Token: "ghs_ro"}}},
		{name: "github without any token", job: ciJob{ref: gh.ref, apiURL: "https://api.github.com"},
			why: "there is no GitHub token: pass GITHUB_TOKEN (secrets.GITHUB_TOKEN) to the step"},
		{name: "gitlab token", job: gl, config: Config{GitLab: GitLabConfig{Token: "glpat-x"}}, canRead: true, canPost: true,
			want: Config{GitLab: GitLabConfig{BaseURL: "https://gitlab.example.com", Token: "glpat-x"}}},
		{name: "gitlab job token only", job: gl, vars: map[string]string{"CI_JOB_TOKEN": "glcbt-x"},
			why:  "REVIEWER_GITLAB_TOKEN is unset, and the CI job token (CI_JOB_TOKEN) can not read merge request diffs or post merge request notes",
			want: Config{GitLab: GitLabConfig{BaseURL: "https://gitlab.example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.config
			canRead, canPost, why := ciAccess(&c, tt.job, tt.vars)
			if canRead != tt.canRead || canPost != tt.canPost || !strings.HasPrefix(why, tt.why) || (tt.why == "") != (why == "") {
				t.Errorf("ciAccess = %v, %v, %q; want %v, %v, %q", canRead, canPost, why, tt.canRead, tt.canPost, tt.why)
			}
			if diff := cmp.Diff(tt.want, c, cmp.AllowUnexported(Config{})); diff != "" {
				t.Errorf("configuration (-want +got):\n%s", diff)
			}
		})
	}
}

func mapEnviron(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}

// ciReports runs reviewer ci with the given variables and reads the reports it wrote.
type ciOutcome struct {
	result
	report      forgeReport
	codequality []map[string]any
	sarif       map[string]any
}

func runCI(t *testing.T, dir string, vars map[string]string, extra ...string) ciOutcome {
	t.Helper()
	out := t.TempDir()
	args := append([]string{"ci", "--json", filepath.Join(out, "report.json"), "--codequality", filepath.Join(out, "gl-code-quality-report.json"),
		"--sarif", filepath.Join(out, "reviewer.sarif")}, extra...)
	r := ciOutcome{result: runCmd(t, dir, mapEnviron(vars), args...)}
	for name, v := range map[string]any{"report.json": &r.report, "gl-code-quality-report.json": &r.codequality, "reviewer.sarif": &r.sarif} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, secret := range []string{ghToken, glToken} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("the token %s... leaked into the output", secret[:8])
		}
	}
	return r
}

func (r ciOutcome) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// wantReports checks that every report holds every finding; SARIF leaves out those on
// removed lines, which code scanning can not show.
func (r ciOutcome) wantReports(t *testing.T, findings, removed int) {
	t.Helper()
	if n := len(r.report.Findings); n != findings {
		t.Errorf("the JSON report has %d findings, want %d", n, findings)
	}
	if n := len(r.codequality); n != findings {
		t.Errorf("the Code Quality report has %d issues, want %d", n, findings)
	}
	runs, _ := r.sarif["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("the SARIF report has %d runs, want 1", len(runs))
	}
	if n := len(runs[0].(map[string]any)["results"].([]any)); n != findings-removed {
		t.Errorf("the SARIF report has %d results, want %d", n, findings-removed)
	}
	if !strings.Contains(r.stdout, "finding") {
		t.Errorf("stdout has no text report:\n%s", r.stdout)
	}
}

func gitLabCIVars(f *glFake, env []string) map[string]string {
	v := gitLabMRPipeline()
	v["CI_SERVER_URL"] = f.URL()
	v["CI_API_V4_URL"] = f.URL() + "/api/v4"
	v["CI_PROJECT_PATH"], v["CI_MERGE_REQUEST_PROJECT_PATH"] = glProject, glProject
	v["CI_COMMIT_SHA"], v["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = shaHead1, shaBase1
	v["REVIEWER_GITLAB_TOKEN"] = glToken
	for _, kv := range env {
		k, val, _ := strings.Cut(kv, "=")
		v[k] = val
	}
	return v
}

func TestCIGitLabEndToEnd(t *testing.T) {
	t.Parallel()
	f := newGitLabFake(t, changeV1(t))
	vars := gitLabCIVars(f, gatewayEnv(newModelGateway(t, e2eModelFindings)))

	run := runCI(t, t.TempDir(), vars)
	run.wantCode(t, exitFindings)
	run.wantReports(t, 5, 1)
	if p := run.report.Forge; p.Posted != 5 || p.Status != "failure" {
		t.Errorf("forge %+v, want 5 posted and the status failure", p)
	}
	st := f.snapshot()
	if len(st.Notes) == 0 || len(st.Discussions) == 0 {
		t.Errorf("nothing was posted on the merge request: %+v", st)
	}
	if !strings.Contains(run.stderr, "GitLab CI: "+glProject+"!7 at "+shaHead1[:12]) {
		t.Errorf("stderr does not name the merge request:\n%s", run.stderr)
	}

	// The same job again posts nothing new.
	again := runCI(t, t.TempDir(), vars)
	again.wantCode(t, exitFindings)
	if p := again.report.Forge; p.Posted != 0 || p.Kept != 5 {
		t.Errorf("re-run: forge %+v, want nothing posted and 5 kept", p)
	}

	// A pipeline of an older commit reviews nothing.
	stale := gitLabCIVars(f, nil)
	stale["CI_COMMIT_SHA"] = shaHead2
	mark := f.mark()
	old := runCI(t, t.TempDir(), stale)
	old.wantCode(t, exitOK)
	if !strings.Contains(old.stderr, "is no longer the head") {
		t.Errorf("stderr does not say the pipeline is stale:\n%s", old.stderr)
	}
	if w := writes(f.since(mark)); len(w) != 0 {
		t.Errorf("a stale pipeline wrote to the forge: %v", w)
	}
}

func TestCIGitHubEndToEnd(t *testing.T) {
	t.Parallel()
	f := newGitHubFake(t, changeV1(t))
	event := editEvent(t, func(pr map[string]any) {
		pr["number"] = ghNumber
		pr["head"].(map[string]any)["sha"] = shaHead1
		pr["base"].(map[string]any)["sha"] = shaBase1
		pr["head"].(map[string]any)["repo"].(map[string]any)["full_name"] = ghRepo
		pr["base"].(map[string]any)["repo"].(map[string]any)["full_name"] = ghRepo
	})
	vars := gitHubActions("pull_request", event)
	vars["GITHUB_REPOSITORY"] = ghRepo
	vars["GITHUB_SERVER_URL"] = f.URL()
	vars["GITHUB_API_URL"] = f.URL() + "/api/v3"
	vars["GITHUB_TOKEN"] = ghToken
	// The fake posts as an App's bot rather than github-actions[bot].
	vars["REVIEWER_GITHUB_BOT_LOGIN"] = ghBot
	for _, kv := range gatewayEnv(newModelGateway(t, e2eModelFindings)) {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}

	run := runCI(t, t.TempDir(), vars)
	run.wantCode(t, exitFindings)
	run.wantReports(t, 5, 1)
	if p := run.report.Forge; p.Posted != 5 || p.Status != "failure" {
		t.Errorf("forge %+v, want 5 posted and the status failure", p)
	}
	comments, reviews, issue, statuses := f.snapshot()
	if len(comments) != 5 || len(reviews) != 1 || len(issue) != 1 || len(statuses) != 1 {
		t.Errorf("on the pull request: %d comments, %d reviews, %d summaries, %d statuses; want 5, 1, 1, 1",
			len(comments), len(reviews), len(issue), len(statuses))
	}

	// A fork's pull request: read with the read-only token, nothing posted, reports written.
	f = newGitHubFake(t, changeV1(t))
	vars["GITHUB_SERVER_URL"] = f.URL()
	vars["GITHUB_API_URL"] = f.URL() + "/api/v3"
	fork := editEvent(t, func(pr map[string]any) {
		pr["number"] = ghNumber
		pr["head"].(map[string]any)["sha"] = shaHead1
		pr["head"].(map[string]any)["repo"].(map[string]any)["full_name"] = "mallory/client"
		pr["base"].(map[string]any)["repo"].(map[string]any)["full_name"] = ghRepo
	})
	vars["GITHUB_EVENT_PATH"] = fork
	ro := runCI(t, t.TempDir(), vars)
	ro.wantCode(t, exitFindings)
	ro.wantReports(t, 5, 1)
	if w := writes(f.since(0)); len(w) != 0 {
		t.Errorf("a fork's pull request wrote to the forge: %v", w)
	}
	if !strings.Contains(ro.stderr, "the review is not posted: the pull request comes from a fork") {
		t.Errorf("stderr does not say why nothing was posted:\n%s", ro.stderr)
	}
}

// Without a GitLab token the job reviews its own checkout and still writes the reports.
func TestCIGitLabWithoutToken(t *testing.T) {
	t.Parallel()
	dir := gitRepo(t)
	vars := gitLabMRPipeline()
	vars["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = gitOutput(t, dir, "rev-parse", "main")
	vars["CI_COMMIT_SHA"] = gitOutput(t, dir, "rev-parse", "HEAD")

	run := runCI(t, dir, vars)
	run.wantCode(t, exitFindings)
	run.wantReports(t, 1, 0)
	if got := run.report.Findings[0].RuleID; got != "team-no-print" {
		t.Errorf("finding of rule %s, want team-no-print (the rule of the base, not the branch's rewrite)", got)
	}
	if !strings.Contains(run.stderr, "CI_JOB_TOKEN") {
		t.Errorf("stderr does not explain that the job token can not post:\n%s", run.stderr)
	}

	// The change's head is reviewed, not whatever the clone has checked out (a merged
	// results pipeline's merge commit).
	gitRun(t, dir, "checkout", "-q", "main")
	onMain := runCI(t, dir, vars)
	onMain.wantCode(t, exitFindings)
	onMain.wantReports(t, 1, 0)

	// A shallow clone without the base commit gets told how to fix it.
	vars["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = "1111111111111111111111111111111111111111"
	shallow := runCI(t, dir, vars)
	shallow.wantCode(t, exitRuntime)
	if !strings.Contains(shallow.stderr, "GIT_DEPTH: 0") {
		t.Errorf("stderr does not say how to fetch the base:\n%s", shallow.stderr)
	}
}

func TestCIOutsideAChange(t *testing.T) {
	t.Parallel()
	r := runCI(t, t.TempDir(), gitLabBranchPipeline())
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stderr, "not a merge request pipeline") || r.stdout != "" {
		t.Errorf("stdout %q, stderr %q; want only the reason on stderr", r.stdout, r.stderr)
	}
	none := runCI(t, t.TempDir(), map[string]string{})
	none.wantCode(t, exitUsage)
}

// TestCIOutsideAnyCI: on a laptop or in a CI other than GitLab CI and GitHub Actions, ci
// finds no change to review. It exits 2, as the README says, rather than 0: a step that
// passes would claim a review that never ran. It names the command that works there.
func TestCIOutsideAnyCI(t *testing.T) {
	t.Parallel()
	for name, vars := range map[string]map[string]string{
		"no CI":     {},
		"Jenkins":   {"CI": "true", "JENKINS_URL": "https://ci.example.com/", "BUILD_NUMBER": "7"},
		"CircleCI":  {"CI": "true", "CIRCLECI": "true", "CIRCLE_PULL_REQUEST": "https://github.com/o/r/pull/1"},
		"GITLAB_CI": {"GITLAB_CI": "false", "GITHUB_ACTIONS": ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runCI(t, t.TempDir(), vars)
			r.wantCode(t, exitUsage)
			if !strings.Contains(r.stderr, "not in a GitLab CI or GitHub Actions job") || !strings.Contains(r.stderr, "reviewer review --base") {
				t.Errorf("stderr does not say why and what to run instead:\n%s", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
		})
	}
	// The README says the same.
	section, _ := readmeCISection(t)
	words := strings.Join(strings.Fields(section), " ")
	if want := "Outside GitLab CI and GitHub Actions (on a laptop, in Jenkins or another CI) it exits 2"; !strings.Contains(words, want) {
		t.Errorf("README.md's In CI section does not say %q", want)
	}
}

func gitOutput(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// TestCIOutputs: ci takes --format as review does, and the older --sarif, --codequality
// and --json still work as aliases of --format FORMAT=FILE.
func TestCIOutputs(t *testing.T) {
	t.Parallel()
	text := output{format: "text"}
	tests := []struct {
		name    string
		f       ciFlags
		want    []output
		wantErr bool
	}{
		{"nothing asked: text on stdout", ciFlags{}, []output{text}, false},
		{"aliases", ciFlags{sarif: "r.sarif", codequality: "cq.json", json: "r.json"},
			[]output{text, {format: "sarif", file: "r.sarif"}, {format: "codequality", file: "cq.json"}, {format: "json", file: "r.json"}}, false},
		{"an empty alias writes nothing", ciFlags{sarif: ""}, []output{text}, false},
		{"--format with files", ciFlags{formats: []string{"sarif=r.sarif", "codequality=cq.json"}},
			[]output{text, {format: "sarif", file: "r.sarif"}, {format: "codequality", file: "cq.json"}}, false},
		{"--format and an alias", ciFlags{formats: []string{"sarif=r.sarif"}, json: "r.json"},
			[]output{text, {format: "sarif", file: "r.sarif"}, {format: "json", file: "r.json"}}, false},
		{"a format on stdout replaces the text", ciFlags{formats: []string{"json"}}, []output{{format: "json"}}, false},
		{"--output", ciFlags{formats: []string{"sarif"}, output: "r.sarif"}, []output{text, {format: "sarif", file: "r.sarif"}}, false},
		{"unknown format", ciFlags{formats: []string{"xml=r.xml"}}, nil, true},
		{"two on stdout", ciFlags{formats: []string{"json=-", "sarif=-"}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ciOutputs(tt.f)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want an error: %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(output{})); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFlagsSameAcrossCommands: a flag review and ci share means the same in both: same
// name, same type, same configuration key. Flags only review has are about where the
// change comes from (ci reads it from the CI) or about trying things out; --post is in
// both, with different defaults (ci posts unless told not to).
func TestFlagsSameAcrossCommands(t *testing.T) {
	t.Parallel()
	e := env{environ: nil, dir: t.TempDir()}
	review, ci := reviewCmd(e).Flags(), ciCmd(e).Flags()
	reviewOnly := map[string]bool{
		"diff": true, "base": true, "uncommitted": true, "untracked": true, "rules-worktree": true,
		"change": true, "dry-run": true, "record": true, "replay": true,
	}
	for _, name := range []string{"format", "output", "fail-on", "rules-dir", "ignore", "disable", "builtin", "max-comments", "model", "cache-dir"} {
		r, c := review.Lookup(name), ci.Lookup(name)
		if r == nil || c == nil {
			t.Errorf("--%s: in review %v, in ci %v; want both", name, r != nil, c != nil)
			continue
		}
		if r.Value.Type() != c.Value.Type() || r.Shorthand != c.Shorthand {
			t.Errorf("--%s: review takes %s (-%s), ci %s (-%s)", name, r.Value.Type(), r.Shorthand, c.Value.Type(), c.Shorthand)
		}
	}
	for key, flag := range reviewBind {
		if !reviewOnly[flag] && ciBind[key] != flag {
			t.Errorf("%s: review binds --%s, ci binds %q", key, flag, ciBind[key])
		}
	}
}
