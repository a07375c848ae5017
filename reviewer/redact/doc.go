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
//   - Tokens with a known prefix, matched as prefix + charset + length: AWS access key IDs
//     (AKIA, ASIA, ...), GCP API keys (AIza), Google OAuth client secrets (GOCSPX-), Azure
//     AccountKey= / SharedAccessKey=, GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_),
//     GitLab (glpat-, gldt-, glrt-, ...), Slack tokens and webhooks, Stripe (sk_live_,
//     rk_live_, whsec_, ...), Twilio API keys, SendGrid (SG.), npm (npm_), PyPI (pypi-AgE),
//     Anthropic (sk-ant-), OpenAI (sk-proj-, sk-), Hugging Face, Shopify, DigitalOcean, age,
//     and JWTs (eyJ….eyJ….…).
//   - Private key blocks: the base64 between -----BEGIN … PRIVATE KEY----- and -----END …-----,
//     on one line or across the consecutive lines of a file, followed separately on the old
//     side (context + deleted lines) and the new side (context + added lines).
//   - Key bodies without their BEGIN line, for a hunk inside an embedded key block: runs of
//     two or more lines of 60 to 76 base64 characters (PEM and OpenSSH write 64,
//     ssh-keygen's RFC 4716 export 70, MIME 76), or one such line followed by an END
//     line, with the block's short last line. A line must mix upper and lower case with
//     digits, '+' or '/', so hex digests, base32, identifiers and comment banners pass;
//     certificate bodies and long base64 data are masked too, which costs nothing.
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
// # Why not a maintained rule set
//
// The detectors were written for this package, informed by the public gitleaks rule set
// (config/gitleaks.toml) and the vendors' documented token formats; no rule text was
// copied. Importing gitleaks (github.com/zricethezav/gitleaks/v8) would add some sixty
// modules, and its default detector is configured through viper's global instance, which
// this project allows only in cmd/. Its detector also matches each rule's regexp against
// whole fragments, where this package must cost a few milliseconds on a 100,000-line diff:
// here one pass over each line hops from word to word and looks closer only where a word's
// first two bytes begin a token prefix, a JWT or a key block's BEGIN; strings.Contains
// gates the URL detector, and the assignment detector looks only around '=' and ':'. No
// regexp runs per line unless Options add one. A per-line work budget keeps contrived
// lines (sk-sk-sk-…, token=token=…) linear; a line that exhausts it is masked whole as
// «redacted:unscannable-line#n».
//
// Nothing a detector matched appears in a placeholder, a Secret, a log or an error: Secret
// holds only the rule, the position and the extent. A secret in a hunk's section (the
// text git copies after the closing @@ from any column-0 line above the hunk, a secret as
// readily as a function's name) has Index SectionIndex and Line 0.
package redact
