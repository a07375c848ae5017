// Package redact keeps secrets out of what the reviewer sends to a model.
//
// It runs in the pipeline after rules.Match and before the pattern rules, chunking and the
// LLM stage, on every file that is about to leave the machine:
//
//	diff.Parse -> filter -> rules.Match -> redact -> patterns -> chunk -> llm -> ...
//
// Two questions are asked. Withheld decides by path alone that a file is never sent at all
// (.env, .env-prod, *.pem, server.key.bak, id_rsa, deploy_key, credentials.json,
// secrets.yaml, *.asc, *.gpg, *.tfstate, kubeconfig, ...); such a file goes into the
// coverage ledger as "withheld" with the reason. A renamed or copied file is judged by
// both of its paths (WithheldFile). For every other file a Redactor replaces secrets
// inside the lines and the hunks' section headers with placeholders such as
// «redacted:github-token#1», keeping each line's shape and number so the model can still
// read and anchor the code. Redactor.String does the same for a change's title and
// description.
//
// # Detectors
//
//   - Token formats from a maintained rule set: gitleaks' default rules
//     (github.com/zricethezav/gitleaks/v8, config/gitleaks.toml, some 220 formats), read
//     from the TOML gitleaks embeds and matched as gitleaks' detector does (secret group,
//     entropy floor, global and per-rule allowlists), behind gitleaks' keyword prefilter:
//     a rule's regexp runs only on a line that holds one of its keywords. What gitleaks
//     lacks is added on top in formats.toml, in gitleaks' own format: tokens it finds only
//     beside a telling name (Mailgun key-, New Relic NRAK-, Telegram bot tokens, Azure AD
//     …Q~…), tokens it does not know (Doppler dp.st., Google 1//0 and ya29., Sentry
//     sntrys_ of any shape, Vault hvs. of any length, Discord and Teams webhooks) and
//     credentials in URLs whatever the variable is called (an Azure SAS sig=, access_token=
//     and the like in a query string). Formats lists them all; the pattern rules'
//     secret-* rules report the same formats (rules.Rule.Secrets), so the two never
//     drift apart. gitleaks' rules end a token at whitespace, a quote or ';': here a token
//     also ends at the punctuation of prose and file names (ghp_….txt, "was dapi…, ask").
//     Four gitleaks rules are left out (skippedRules): the generic one, whose job the
//     assignment detector below does knowing code from config, the private-key rule,
//     whose job the key-block detectors do across lines, and two that read file paths or
//     span lines.
//   - Private key blocks: the base64 between -----BEGIN … PRIVATE KEY----- and -----END …-----,
//     on one line or across the consecutive lines of a file, followed separately on the old
//     side (context + deleted lines) and the new side (context + added lines).
//   - Key bodies without their BEGIN line, for a hunk inside an embedded key block: runs of
//     two or more lines of 60 to 76 base64 characters (PEM and OpenSSH write 64,
//     ssh-keygen's RFC 4716 export 70, MIME 76), or one such line followed by an END
//     line, with the block's short last line. A line must mix upper and lower case with
//     digits, '+' or '/', so hex digests, base32, identifiers and comment banners pass;
//     certificate bodies and long base64 data are masked too, which costs nothing.
//   - Hunk sections: git copies the nearest column-0 line above a hunk into its header,
//     and a key body line starts in column 0. A section that is a full body line, or any
//     base64 inside a block an earlier hunk of the file left open, is masked.
//   - Base64 that decodes to a secret: a run of 20 or more base64 characters (standard or
//     URL-safe) is decoded, and masked whole when the text holds a private key (a
//     Kubernetes Secret's tls.key), credential JSON (a service account key, a
//     .dockerconfigjson) or anything the other detectors find, down to two levels.
//   - Passwords in URLs: scheme://user:«redacted:url-password#1»@host. The password runs
//     to the last '@' that a host follows, so '/', '#', '?' and '@' inside it are masked.
//   - Assignments to secret-looking keys (password, passwd, pwd, secret, token, api_key,
//     access_key, client_secret, auth, credentials, and pass as the last segment: DB_PASS,
//     dbPass, but not bypass or PASSTHROUGH, ...) in code, JSON, YAML, .properties,
//     env and connection-string forms. A quoted value is a literal and is masked, even a
//     placeholder such as "changeme": masking one costs nothing, missing a secret costs a
//     lot. A bare value is masked in config and script files (by extension: .env, .yaml,
//     .properties, .ini, .toml, .sh, Dockerfile, ...) where it is a literal; in code it is
//     taken for a variable or expression (token = getToken(), apiKey: process.env.API_KEY)
//     unless it cannot be one. A renamed file is in config mode when either path is a
//     config file's. References (${VAR}, {{ .Values.x }}, $VAR) are left alone.
//   - In config files, any KEY=value whose value is long and high in entropy.
//   - Extra rules and an allowlist through Options.
//
// # How gitleaks is used
//
// Only its config package is imported: the rule table (config.DefaultConfig) and its
// types (config.Rule, config.Allowlist with its allowlist checks). Its loader is not
// used, because it reads through viper's global instance, which this project keeps out
// of every package; the TOML is decoded here with go-toml into the same structs. Nor is
// its detect package, which would bring archive readers, terminal styling and a second
// diff parser for what is here a loop over a line's formats. A per-line work budget
// keeps contrived lines (sk-sk-sk-…, token=token=…) linear; a line that exhausts it is
// masked whole as «redacted:unscannable-line#n». The cost on large diffs is in
// BENCHMARKS.md (BenchmarkFile, BenchmarkFixtures).
//
// Nothing a detector matched appears in a placeholder, a Secret, a log or an error: Secret
// holds only the rule, the position and the extent. A secret in a hunk's section (the
// text git copies after the closing @@ from any column-0 line above the hunk, a secret as
// readily as a function's name) has Index SectionIndex and Line 0.
package redact
