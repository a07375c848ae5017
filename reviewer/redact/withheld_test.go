package redact_test

import (
	"testing"

	_ "github.com/reviewerbot/reviewer/internal/golden"
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
	}
	for _, p := range sent {
		if reason, ok := redact.Withheld(p); ok {
			t.Errorf("Withheld(%q) = %q, true; want it sent", p, reason)
		}
	}
}
