package redact

import (
	"path"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/diff"
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
	reasonPGP        = "looks like a PGP keyring or armored PGP data"
	reasonEncrypted  = "looks like an encrypted secrets file"
)

// envTemplates are the .env.<suffix> files that are sent rather than withheld: they are
// committed on purpose, reviewing them (a new setting, a wrong default) is useful, and they
// go through the Redactor in config mode, where every value assigned to a secret-looking key
// and every high-entropy value is masked. A real secret pasted into one is therefore still
// masked; what is lost is only the file's name-level guarantee.
var envTemplates = map[string]bool{"example": true, "sample": true, "template": true, "dist": true}

// envStages are the <stage> of env.<stage> files (env.production): without the leading
// dot the name is an environment file only with a deployment stage after it, since
// env.go, env.ts and env.d.ts are code.
var envStages = map[string]bool{
	"local": true, "dev": true, "development": true, "test": true, "testing": true, "qa": true, "uat": true,
	"stage": true, "staging": true, "preprod": true, "prod": true, "production": true, "live": true, "ci": true,
}

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
	{".gpg", reasonPGP},
	{".pgp", reasonPGP},
	{".kbx", reasonPGP},
	{".asc", reasonPGP},
	{".enc", reasonEncrypted},
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
	".s3cfg":           reasonCreds,
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

// keyFileSuffixes end the extension-less names of SSH keys: github_rsa, backup_ed25519,
// and keyFileNames are deploy keys and sshd's host keys (ssh_host_rsa_key). A wider
// *_key would take in scripts such as bin/rotate_key; with an extension such a name is
// code (api_key.go) or a public half (github_rsa.pub).
var keyFileSuffixes = []string{"_rsa", "_dsa", "_ecdsa", "_ed25519", "_ecdsa_sk", "_ed25519_sk", "deploy_key", "deploy-key"}

// codeExt are the extensions that make a name with .key. or .pem. inside it code rather
// than a key's backup (cache.key.ts, not server.key.bak).
var codeExt = map[string]bool{
	"go": true, "js": true, "mjs": true, "cjs": true, "ts": true, "tsx": true, "jsx": true, "py": true,
	"rb": true, "java": true, "kt": true, "rs": true, "c": true, "cc": true, "cpp": true, "h": true,
	"hpp": true, "cs": true, "php": true, "swift": true, "scala": true, "md": true, "rst": true,
	"html": true, "pub": true,
}

// Withheld reports whether the file at p must never be sent to a model, judged by its
// path alone, and why. The match is on the base name or a path suffix, anywhere in the
// tree, and ignores case; p may be in any form (a/ or b/ prefixed, ./ relative, with
// backslashes, with trailing spaces or dots, which some tools drop). Public halves of key
// pairs (id_rsa.pub) and templates of environment files (.env.example, .env.sample,
// .env.template, .env.dist, also with - or _ for the dot) are not withheld; their content
// still goes through a Redactor.
//
// Every *.asc file is withheld, whether it holds a PGP signature, a public key or a
// private key: the name of an exported secret key is up to its author (gpg --armor
// --export-secret-keys > anything.asc), armored data offers nothing to review, and
// AsciiDoc, which rarely uses .asc, is the only loss. *.gpg, *.pgp and *.kbx keyrings
// (secring.gpg) and encrypted files such as Rails' credentials.yml.enc (*.enc) are
// withheld likewise; its master.key is a *.key.
//
// A renamed or copied file must be judged by both of its paths; WithheldFile does that.
func Withheld(p string) (reason string, ok bool) {
	p = strings.ToLower(strings.ReplaceAll(p, `\`, "/"))
	p = strings.TrimRight(p, " \t\r\n.")
	if p == "" || p == "/dev/null" {
		return "", false
	}
	base := path.Base(p)
	if r, ok := withheldName[base]; ok {
		return r, true
	}
	for _, s := range withheldSuffix {
		if strings.HasSuffix("/"+p, s.suffix) {
			return s.reason, true
		}
	}
	if rest, ok := strings.CutPrefix(base, ".env"); ok && rest != "" && strings.ContainsRune("._-", rune(rest[0])) {
		if envTemplates[rest[1:]] {
			return "", false
		}
		return reasonEnv, true
	}
	if rest, ok := strings.CutPrefix(base, "env."); ok && envStages[rest] {
		return reasonEnv, true
	}
	for _, pre := range []string{"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"} {
		if strings.HasPrefix(base, pre) && !strings.HasSuffix(base, ".pub") {
			return reasonKey, true
		}
	}
	if !strings.Contains(strings.TrimPrefix(base, "."), ".") {
		for _, suf := range keyFileSuffixes {
			if strings.HasSuffix(base, suf) && (len(base) > len(suf) || suf[0] != '_') {
				return reasonKey, true
			}
		}
		if strings.HasPrefix(base, "ssh_host_") && strings.HasSuffix(base, "_key") {
			return reasonKey, true
		}
	}
	if strings.HasSuffix(base, ".json") &&
		(strings.Contains(base, "credentials") || strings.HasPrefix(base, "service-account") ||
			strings.HasPrefix(base, "service_account") || strings.HasPrefix(base, "client_secret")) {
		return reasonCreds, true
	}
	if isYAML(base) && strings.HasPrefix(base, "credentials.") {
		return reasonCreds, true
	}
	if strings.HasPrefix(base, "secrets.") && (isYAML(base) || strings.HasSuffix(base, ".json")) {
		return reasonSecrets, true
	}
	for _, e := range withheldExt {
		if strings.HasSuffix(base, e.suffix) && len(base) > len(e.suffix) {
			return e.reason, true
		}
	}
	// Backups and copies of keys: server.key.bak, tls.pem.orig, but not cache.key.ts.
	if i := strings.LastIndexByte(base, '.'); i > 0 && !codeExt[base[i+1:]] {
		for _, mid := range []string{".key.", ".pem."} {
			if strings.Index(base, mid) > 0 {
				return reasonKey, true
			}
		}
	}
	return "", false
}

// WithheldFile is Withheld for a file of a diff: a renamed or copied file is withheld when
// either its old or its new path is, so renaming .env to notes.txt does not send it.
func WithheldFile(f *diff.File) (reason string, ok bool) {
	if reason, ok := Withheld(f.NewPath); ok {
		return reason, true
	}
	return Withheld(f.OldPath)
}

func isYAML(base string) bool {
	return strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")
}
