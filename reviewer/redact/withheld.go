package redact

import (
	"path"
	"strings"
)

// Reasons given by Withheld. They name a kind of file, never its content.
const (
	reasonEnv        = "looks like an environment file with secrets"
	reasonKey        = "looks like a private key file"
	reasonKeystore   = "looks like a keystore or certificate bundle"
	reasonCreds      = "looks like a credentials file" //nolint:gosec // a ledger reason, not a credential
	reasonPasswordDB = "looks like a password database"
	reasonTerraform  = "looks like Terraform variables or state, which hold secrets"
	reasonKubeconfig = "looks like a kubeconfig"
	reasonSecrets    = "looks like a secrets file"
)

// envTemplates are the .env.<suffix> files that are sent rather than withheld: they are
// committed on purpose, reviewing them (a new setting, a wrong default) is useful, and they
// go through the Redactor in config mode, where every value assigned to a secret-looking key
// and every high-entropy value is masked. A real secret pasted into one is therefore still
// masked; what is lost is only the file's name-level guarantee.
var envTemplates = map[string]bool{"example": true, "sample": true, "template": true, "dist": true}

// withheldExt maps a lower-case name suffix to its reason.
var withheldExt = []struct{ suffix, reason string }{
	{".pem", reasonKey},
	{".key", reasonKey},
	{".ppk", reasonKey},
	{".p8", reasonKey},
	{".p12", reasonKeystore},
	{".pfx", reasonKeystore},
	{".jks", reasonKeystore},
	{".keystore", reasonKeystore},
	{".kdbx", reasonPasswordDB},
	{".tfvars", reasonTerraform},
	{".tfvars.json", reasonTerraform},
	{".tfstate", reasonTerraform},
	{".tfstate.backup", reasonTerraform},
	{".kubeconfig", reasonKubeconfig},
	{".env", reasonEnv},
}

// withheldName maps a lower-case base name to its reason.
var withheldName = map[string]string{
	".env":             reasonEnv,
	".envrc":           reasonEnv,
	".npmrc":           reasonCreds,
	".pypirc":          reasonCreds,
	".netrc":           reasonCreds,
	"_netrc":           reasonCreds,
	".git-credentials": reasonCreds,
	".pgpass":          reasonCreds,
	".my.cnf":          reasonCreds,
	".htpasswd":        reasonCreds,
	".dockercfg":       reasonCreds,
	"credentials":      reasonCreds,
	"credentials.json": reasonCreds,
	"kubeconfig":       reasonKubeconfig,
}

// withheldSuffix maps a lower-case path suffix (with its leading slash) to its reason.
var withheldSuffix = []struct{ suffix, reason string }{
	{"/.kube/config", reasonKubeconfig},
	{"/.docker/config.json", reasonCreds},
	{"/.aws/credentials", reasonCreds},
}

// Withheld reports whether the file at path must never be sent to a model, judged by its
// path alone, and why. The match is on the base name or a path suffix, anywhere in the
// tree, and ignores case. Public halves of key pairs (id_rsa.pub) and templates of
// environment files (.env.example, .env.sample, .env.template, .env.dist) are not withheld;
// their content still goes through a Redactor.
func Withheld(p string) (reason string, ok bool) {
	p = strings.ToLower(strings.ReplaceAll(p, `\`, "/"))
	base := path.Base(p)
	if r, ok := withheldName[base]; ok {
		return r, true
	}
	for _, s := range withheldSuffix {
		if strings.HasSuffix("/"+p, s.suffix) {
			return s.reason, true
		}
	}
	if rest, ok := strings.CutPrefix(base, ".env."); ok {
		if envTemplates[rest] {
			return "", false
		}
		return reasonEnv, true
	}
	for _, pre := range []string{"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"} {
		if strings.HasPrefix(base, pre) && !strings.HasSuffix(base, ".pub") {
			return reasonKey, true
		}
	}
	if strings.HasSuffix(base, ".json") &&
		(strings.Contains(base, "credentials") || strings.HasPrefix(base, "service-account") ||
			strings.HasPrefix(base, "service_account") || strings.HasPrefix(base, "client_secret")) {
		return reasonCreds, true
	}
	if strings.HasPrefix(base, "secrets.") && (strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")) {
		return reasonSecrets, true
	}
	for _, e := range withheldExt {
		if strings.HasSuffix(base, e.suffix) && len(base) > len(e.suffix) {
			return e.reason, true
		}
	}
	return "", false
}
