package main

// readWebhookSecrets fills github.webhook_secret and gitlab.webhook_secret from their
// *_file keys (reviewer setup writes those files); Validate has checked that no secret is
// given both ways.
func (c *Config) readWebhookSecrets(e env) error {
	gh, err := secretValue(e, c.GitHub.WebhookSecret, c.GitHub.WebhookSecretFile, "github.webhook_secret_file")
	if err != nil {
		return err
	}
	gl, err := secretValue(e, c.GitLab.WebhookSecret, c.GitLab.WebhookSecretFile, "gitlab.webhook_secret_file")
	if err != nil {
		return err
	}
	c.GitHub.WebhookSecret, c.GitLab.WebhookSecret = secret(gh), secret(gl)
	return nil
}
