package redact_test

import (
	"testing"

	_ "github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

func TestWithheld(t *testing.T) {
	t.Parallel()
	withheld := []string{
		".env", "config/.env", ".env.local", ".env.production", "deploy/.ENV.Staging", ".envrc", "prod.env",
		"certs/server.pem", "tls/server.key", "KEYS/Signing.KEY", "keystore.p12", "win/cert.pfx",
		"android/release.jks", "app/debug.keystore", "AuthKey_ABC123.p8", "putty/host.ppk",
		"id_rsa", "home/u/.ssh/id_rsa", ".ssh/id_dsa", "id_ecdsa", "id_ed25519", "id_ed25519_sk", "id_rsa.old",
		".npmrc", "web/.npmrc", ".pypirc", ".netrc", "_netrc", ".git-credentials", ".pgpass", ".my.cnf",
		".htpasswd", ".dockercfg", ".docker/config.json", "home/u/.aws/credentials", "credentials",
		"credentials.json", "gcp-credentials.json", "app_credentials_prod.json", "service-account.json",
		"service-account-prod.json", "client_secret_1234.apps.googleusercontent.com.json",
		"vault.kdbx", "config/secrets.yml", "secrets.yaml", "secrets.prod.yaml",
		"infra/prod.tfvars", "infra/prod.auto.tfvars", "infra/terraform.tfvars.json", "terraform.tfstate",
		"terraform.tfstate.backup", "kubeconfig", "clusters/prod.kubeconfig", ".kube/config", `win\path\.env`,
		".env-prod", ".env_local", "config/.ENV-staging", "env.production", "deploy/env.staging", "secrets.json",
		"config/secrets.prod.json", "secrets.yml", "credentials.yaml", "config/credentials.yml", ".s3cfg",
		"server.key.bak", "tls/server.pem.orig", "certs/ca.key.2024", "keys/deploy_key", "deploy-key",
		"home/u/.ssh/github_rsa", "backup_ed25519", "etc/ssh/ssh_host_ecdsa_key", "id_ed25519_backup",
		"private.asc", "KEYS.asc", "release.tar.gz.asc", "secring.gpg", ".gnupg/pubring.kbx", "backup.pgp",
		"config/credentials.yml.enc", "config/credentials/production.yml.enc", "config/master.key",
		"a/.env", "./.env.local", ".env ", "deploy/.env.", "b/config/.env-prod",
	}
	for _, p := range withheld {
		reason, ok := redact.Withheld(p)
		if !ok || reason == "" {
			t.Errorf("Withheld(%q) = %q, %v; want a reason, true", p, reason, ok)
		}
	}
	sent := []string{
		".env.example", ".env.sample", ".env.template", ".env.dist", "config/.env.example",
		"id_rsa.pub", ".ssh/id_ed25519.pub", "main.go", "README.md", "pkg/keys/keys.go",
		"certs/ca.crt", "environment.ts", "src/env.go", "credentials.go", "credentials.yaml.md",
		"docs/secrets.md", "secrets.go", "key", ".key", "monkey.go", "infra/main.tf",
		"infra/prod.tfvars.example", "service.json", "config/kube.go", "pem.go", "cmd/keygen/main.go",
		"docs/.envoy.yaml", "Pipfile",
		".env-example", ".env_sample", "env.go", "src/env.ts", "env.d.ts", "env.example", "api_key.go",
		"pkg/deploy_key.go", "bin/rotate_key", "github_rsa.pub", "etc/ssh/ssh_host_ecdsa_key.pub",
		"cache.key.ts", "pem.key.go", "secrets.json.md", "credentials.yaml.md", "docs/keys.md", "/dev/null", "",
		"ssh_host_rsa_key.pub", "environment.yaml",
	}
	for _, p := range sent {
		if reason, ok := redact.Withheld(p); ok {
			t.Errorf("Withheld(%q) = %q, true; want it sent", p, reason)
		}
	}
}

func TestWithheldFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		oldPath, newPath string
		want             bool
	}{
		{"renamed from .env", ".env", "deploy/prod.txt", true},
		{"renamed to a key", "notes.txt", "deploy/server.key", true},
		{"deleted key", "certs/server.pem", "", true},
		{"added env", "", ".env.production", true},
		{"renamed code", "a.go", "b.go", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reason, ok := redact.WithheldFile(&diff.File{OldPath: tt.oldPath, NewPath: tt.newPath})
			if ok != tt.want || ok != (reason != "") {
				t.Errorf("WithheldFile(%q -> %q) = %q, %v; want %v", tt.oldPath, tt.newPath, reason, ok, tt.want)
			}
		})
	}
}
