package chunk

import (
	"path"
	"strings"
)

// class is how early a file gets a share of a change's token budget.
type class uint8

// The classes in the order they are served.
const (
	classSecurity class = iota
	classSource
	classConfig
	classTest
	classDocs
)

// priority classifies a repository path. Docs and tests come first in the checks, so
// that a test of the login code is a test, not security-sensitive code.
func priority(p string) class {
	lower := strings.ToLower(p)
	base := path.Base(lower)
	ext := path.Ext(base)
	switch {
	case isDocs(lower, base, ext):
		return classDocs
	case isTest(lower, base):
		return classTest
	case isSecurity(p, lower, base, ext):
		return classSecurity
	case isConfig(base, ext):
		return classConfig
	}
	return classSource
}

func hasSegment(lower string, segs ...string) bool {
	for _, s := range segs {
		if strings.HasPrefix(lower, s+"/") || strings.Contains(lower, "/"+s+"/") {
			return true
		}
	}
	return false
}

func isDocs(lower, base, ext string) bool {
	switch ext {
	case ".md", ".markdown", ".rst", ".adoc", ".txt":
		return true
	}
	switch strings.TrimSuffix(base, ext) {
	case "license", "licence", "copying", "changelog", "authors", "contributors", "notice":
		return true
	}
	return hasSegment(lower, "docs", "doc", "documentation")
}

func isTest(lower, base string) bool {
	if hasSegment(lower, "test", "tests", "spec", "specs", "__tests__", "testdata", "e2e", "fixtures") {
		return true
	}
	for _, suf := range []string{"_test.go", "_test.py", "_spec.rb", "_test.rb", "_test.rs", "_test.exs"} {
		if strings.HasSuffix(base, suf) {
			return true
		}
	}
	if strings.HasPrefix(base, "test_") && strings.HasSuffix(base, ".py") {
		return true
	}
	for _, mid := range []string{".test.", ".spec."} { // foo.test.ts, foo.spec.js
		if strings.Contains(base, mid) {
			return true
		}
	}
	// FooTest.java, FooTests.cs, FooSpec.kt
	stem := strings.TrimSuffix(base, path.Ext(base))
	return strings.HasSuffix(stem, "test") && len(stem) > 4 && !strings.HasSuffix(stem, "latest") ||
		strings.HasSuffix(stem, "tests") || strings.HasSuffix(stem, "spec") && len(stem) > 4
}

// securityWords are looked for in the words of a path (split at non-letters and case
// changes): a word that starts with one of them marks the path.
var securityWords = []string{
	"auth", "login", "logon", "logout", "session", "token", "crypt", "secret", "passw",
	"permission", "privilege", "payment", "billing", "credential", "oauth", "csrf",
	"saml", "jwt", "rbac", "sanitiz", "cert", "signature", "acl", "sso", "iam", "policy",
	"encrypt", "decrypt", "cipher", "password", "security",
}

func isSecurity(p, lower, base, ext string) bool {
	switch {
	case ext == ".sql" && hasSegment(lower, "migrations", "migration", "migrate", "db/migrate"),
		strings.HasPrefix(base, "dockerfile") || ext == ".dockerfile" || base == "containerfile",
		hasSegment(lower, ".github/workflows", ".circleci", ".buildkite", ".gitlab"),
		strings.HasPrefix(lower, ".github/workflows/"),
		base == ".gitlab-ci.yml" || base == "jenkinsfile" || base == ".travis.yml" ||
			base == "azure-pipelines.yml" || base == "bitbucket-pipelines.yml" || base == "codeowners",
		ext == ".tf" || ext == ".tfvars" || ext == ".hcl" || ext == ".bicep":
		return true
	}
	found := false
	words(p, func(w string) bool {
		for _, s := range securityWords {
			if strings.HasPrefix(w, s) && !strings.HasPrefix(w, "author") && !strings.HasPrefix(w, "tokeniz") {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

// words calls yield with each lower-cased word of p: runs of letters, split before an
// upper-case letter that follows a lower-case one (camelCase), until yield returns false.
func words(p string, yield func(string) bool) {
	var buf [64]byte
	w := buf[:0]
	emit := func() bool {
		if len(w) == 0 {
			return true
		}
		ok := yield(string(w))
		w = w[:0]
		return ok
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z':
			w = append(w, c)
		case c >= 'A' && c <= 'Z':
			if i > 0 && p[i-1] >= 'a' && p[i-1] <= 'z' && !emit() {
				return
			}
			w = append(w, c+'a'-'A')
		default:
			if !emit() {
				return
			}
		}
	}
	emit()
}

func isConfig(base, ext string) bool {
	switch ext {
	case ".yaml", ".yml", ".json", ".toml", ".ini", ".cfg", ".conf", ".properties", ".xml",
		".env", ".lock", ".mod", ".sum", ".plist", ".gradle":
		return true
	}
	switch base {
	case "makefile", ".editorconfig", ".gitignore", ".gitattributes", ".dockerignore", "go.mod", "go.sum":
		return true
	}
	return false
}
