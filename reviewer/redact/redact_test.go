package redact_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	_ "github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

const (
	upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	alnum       = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b64url      = alnum + "-_"
	b64         = alnum + "+/"
	hexLower    = "0123456789abcdef"
)

// fake returns n characters from set, the same for the same seed, so test secrets are
// realistic in shape without being anybody's real key.
func fake(seed uint64, set string, n int) string {
	x := seed*0x9E3779B97F4A7C15 | 1
	b := make([]byte, n)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = set[x%uint64(len(set))]
	}
	return string(b)
}

// detectorCases plant secret in line (at %s); only secret must be masked, by rule.
var detectorCases = []struct {
	name, line, secret, rule string
}{
	{"aws access key id", `aws_access_key_id = %s`, "AKIA" + fake(1, upperDigits, 16), "aws-access-token"},
	{"aws session key id", `"AccessKeyId": "%s",`, "ASIA" + fake(2, upperDigits, 16), "aws-access-token"},
	{"aws secret key env", `AWS_SECRET_ACCESS_KEY="%s"`, fake(3, b64, 40), "aws-secret-access-key"},
	{"aws secret key yaml", `  aws_secret_access_key: '%s'`, fake(4, b64, 40), "aws-secret-access-key"},
	{"gcp api key", `const mapsKey = "%s";`, "AIza" + fake(5, b64url, 35), "gcp-api-key"},
	{"google oauth secret", `client_secret: %s`, "GOCSPX-" + fake(6, b64url, 28), "google-oauth-client-secret"},
	{"azure storage", `conn = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=%s;EndpointSuffix=core.windows.net"`, fake(7, b64, 86) + "==", "azure-storage-key"},
	{"azure service bus", `Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=%s`, fake(8, b64, 43) + "=", "azure-storage-key"},
	{"github classic", `token := "%s"`, "ghp_" + fake(9, alnum, 36), "github-pat"},
	{"github oauth", `Authorization: token %s`, "gho_" + fake(10, alnum, 36), "github-oauth"},
	{"github app", `GH_TOKEN=%s`, "ghs_" + fake(11, alnum, 36), "github-app-token"},
	{"github fine-grained", `git clone https://%s@github.com/acme/app`, "github_pat_" + fake(12, alnum+"_", 82), "github-fine-grained-pat"},
	{"gitlab", `curl --header "PRIVATE-TOKEN: %s" https://gitlab.example.com/api/v4/projects`, "glpat-" + fake(13, b64url, 20), "gitlab-pat"},
	{"gitlab deploy", `- git clone https://deploy:%s@gitlab.com/acme/app.git`, "gldt-" + fake(14, b64url, 20), "gitlab-deploy-token"},
	{"slack bot", `SLACK = '%s'`, "xoxb-2048151121-4096226312-" + fake(15, alnum, 24), "slack-bot-token"},
	{"slack webhook", `url: %s`, "https://hooks.slack.com/services/T0" + fake(16, upperDigits, 8) + "/B0" + fake(17, upperDigits, 8) + "/" + fake(18, alnum, 24), "slack-webhook-url"},
	{"stripe live", `stripe.api_key = "%s"`, "sk_live_" + fake(19, alnum, 24), "stripe-access-token"},
	{"stripe restricted", `STRIPE=%s`, "rk_live_" + fake(20, alnum, 99), "stripe-access-token"},
	{"twilio", `twilio_key: %s`, "SK" + fake(21, hexLower, 32), "twilio-api-key"},
	{"sendgrid", `sg = SendGridAPIClient("%s")`, "SG." + fake(22, b64url, 22) + "." + fake(23, b64url, 43), "sendgrid-api-token"},
	{"npm", `//registry.npmjs.org/:_authToken=%s`, "npm_" + fake(24, alnum, 36), "npm-access-token"},
	{"pypi", `password = %s`, "pypi-AgEIcHlwaS5vcmc" + fake(25, b64url, 70), "pypi-upload-token"},
	{"openai project", `OPENAI_API_KEY=%s`, "sk-proj-" + fake(26, b64url, 74) + "T3BlbkFJ" + fake(27, b64url, 74), "openai-api-key"},
	{"openai legacy", `openai.api_key = '%s'`, "sk-" + fake(28, alnum, 20) + "T3BlbkFJ" + fake(29, alnum, 20), "openai-api-key"},
	{"anthropic", `client = Anthropic(api_key="%s")`, "sk-ant-api03-" + fake(30, b64url, 93) + "AA", "anthropic-api-key"},
	{"huggingface", `HF_TOKEN=%s`, "hf_" + fake(31, alnum, 34) + "1a", "huggingface-token-any"},
	{"jwt", `const auth = "Bearer %s";`, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0." + fake(32, b64url, 43), "jwt"},
	{"private key one line", `  "private_key": "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n",`, fake(33, b64, 64) + `\n` + fake(34, b64, 60) + "==", "private-key"},
	{"url password", `DATABASE_URL=postgres://app:%s@db.internal:5432/app`, fake(35, alnum, 18), "url-password"},
	{"url password redis", `redis.from_url("rediss://default:%s@cache.example.com:6380/0")`, fake(36, alnum+"!-", 24), "url-password"},
	{"url password with slash and hash", `DATABASE_URL=postgres://app:%s@db.internal:5432/app`, "Zq9/xT4#pw", "url-password"},
	{"url password with question mark", `dsn = "mysql://root:%s@tcp(db:3306)/app"`, "p?ss", "url-password"},
	{"url password with hash", `amqp://guest:%s@mq.internal:5672/`, "p#ss", "url-password"},
	{"url password with at", `mongodb://admin:%s@mongo-0.internal,mongo-1.internal/?replicaSet=rs0`, "p@ss/w#rd?x", "url-password"},
	{"password python", `password = "%s"`, "Tr0ub4dor&3", "secret-assignment"},
	{"password placeholder", `DB_PASSWORD = 'changeme'%s`, "", ""},
	{"password yaml bare", `    password: %s`, "correct-horse-battery", "secret-assignment"},
	{"password properties", `spring.datasource.password=%s`, "s3cr3t!Pass", "secret-assignment"},
	{"password json", `{"username": "svc", "password": "%s"}`, "p@55w0rd-2024", "secret-assignment"},
	{"password typed", `    db_password: str = "%s"`, "hunter2hunter2", "secret-assignment"},
	{"password php", `'password' => '%s',`, "Hunter2!", "secret-assignment"},
	{"password go struct", `	Password: "%s",`, "letmein-42", "secret-assignment"},
	{"password connection string", `cs := "Server=db;User Id=sa;Password=%s;Database=app"`, "Sup3r$ecret", "secret-assignment"},
	{"client secret", `CLIENT_SECRET: "%s"`, fake(37, hexLower, 40), "secret-assignment"},
	{"api key dict", `settings["API_KEY"] = "%s"`, fake(38, alnum, 32), "secret-assignment"},
	{"api key js", `const apiKey = '%s';`, fake(39, alnum, 32), "secret-assignment"},
	{"token bearer header", `Authorization: Bearer %s`, fake(40, alnum, 40), "secret-assignment"},
	{"secret key base", `SECRET_KEY_BASE=%s`, fake(41, hexLower, 128), "secret-assignment"},
	{"token bare code", `token = %s`, fake(42, alnum, 40), "secret-assignment"},
	{"password bare code symbols", `password = %s`, "pa$$w0rd!x", "secret-assignment"},
}

func TestStringDetectors(t *testing.T) {
	t.Parallel()
	r := redact.New()
	for _, tc := range detectorCases {
		if tc.secret == "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := strings.Replace(tc.line, "%s", tc.secret, 1)
			got, secrets := r.String(in)
			want := strings.Replace(tc.line, "%s", "«redacted:"+tc.rule+"#1»", 1)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("String(%q) (-want +got):\n%s", in, diff)
			}
			start := strings.Index(in, tc.secret)
			wantSecrets := []redact.Secret{{Rule: tc.rule, Line: 1, Start: start, End: start + len(tc.secret)}}
			if diff := cmp.Diff(wantSecrets, secrets); diff != "" {
				t.Errorf("secrets (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStringPlaceholderMasked(t *testing.T) {
	t.Parallel()
	got, _ := redact.New().String(`DB_PASSWORD = 'changeme'`)
	if want := `DB_PASSWORD = '«redacted:secret-assignment#1»'`; got != want {
		t.Errorf("got %q, want %q: a placeholder password costs nothing to mask", got, want)
	}
}

// negatives are ordinary lines that must pass through untouched.
var negatives = []string{
	`token := r.Header.Get("Authorization")`,
	`password = os.environ["DB_PASSWORD"]`,
	`password = os.environ.get("DB_PASSWORD", "")`,
	`apiKey: process.env.API_KEY,`,
	`password = request.form["password"]`,
	`token = getToken()`,
	`const token = await auth.getAccessToken(scope);`,
	`secret := cfg.Secret`,
	`self.password = password`,
	`password: ${DB_PASSWORD}`,
	`token: ${{ secrets.GITHUB_TOKEN }}`,
	`password: "{{ .Values.db.password }}"`,
	`if token == "" {`,
	`if password != confirm {`,
	`max_tokens = 4096`,
	`tokenizer = "cl100k_base"`,
	`secretName: db-credentials`,
	`author = "Jane Doe"`,
	`Password string ` + "`json:\"password,omitempty\"`",
	`<input type="password" name="password" autocomplete="current-password">`,
	`commit 3f1efb9b7705cc1cae9ebeafa8eaf95ab79d6bea`,
	`sha = "3f1efb9b7705cc1cae9ebeafa8eaf95ab79d6bea"`,
	`id = "123e4567-e89b-12d3-a456-426614174000"`,
	`img = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="`,
	`url = "https://github.com/acme/app.git"`,
	`dsn = "postgres://app@db:5432/app?sslmode=disable"`,
	`DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app`,
	`-----BEGIN CERTIFICATE-----`,
	`-----BEGIN PUBLIC KEY-----`,
	`func (s *Server) skipTask(ctx context.Context) error {`,
	`task-runner --disk-size=20 --ask-password`,
	`const AKIA = "prefix"`,
	`let sk = sk_live;`,
	`def login(password: str, token: Optional[str] = None) -> bool:`,
	`password_min_length: 12`,
	`	Token    string`,
	`x := map[string]int{"token": 1}`,
	`std::string token = std::move(other);`,
	`# Set the password: see docs/setup.md`,
	`headers["Authorization"] = "Bearer " + token`,
	`url = "https://example.com:8080/users/@alice"`,
	`see https://medium.com/@author/some-post`,
	`git clone git+ssh://git@github.com:acme/app.git`,
	`curl https://proxy.golang.org/github.com/acme/app/@v/list`,
	`ssh://deploy@host.internal:22/srv/app@v2`,
	`PASSTHROUGH = "enabled-for-all"`,
	`bypass = "cache-layer-one"`,
	`compass = "north-north-east"`,
	`passes = "three-or-more"`,
	`COMPASS_HEADING = "north-north-east"`,
	`max_passes: 3`,
}

func TestStringNegatives(t *testing.T) {
	t.Parallel()
	r := redact.New()
	for _, line := range negatives {
		got, secrets := r.String(line)
		if got != line || len(secrets) != 0 {
			t.Errorf("String(%q) = %q, %v; want it untouched", line, got, secrets)
		}
	}
}

func TestStringNumbersDistinctValues(t *testing.T) {
	t.Parallel()
	a, b := "ghp_"+fake(50, alnum, 36), "ghp_"+fake(51, alnum, 36)
	in := "first " + a + "\nsecond " + b + "\nfirst again " + a
	got, secrets := redact.New().String(in)
	want := "first «redacted:github-pat#1»\nsecond «redacted:github-pat#2»\nfirst again «redacted:github-pat#1»"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	wantSecrets := []redact.Secret{
		{Rule: "github-pat", Line: 1, Start: 6, End: 46},
		{Rule: "github-pat", Line: 2, Start: 7, End: 47},
		{Rule: "github-pat", Line: 3, Start: 12, End: 52},
	}
	if diff := cmp.Diff(wantSecrets, secrets); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}
}

func TestStringMultiLinePrivateKey(t *testing.T) {
	t.Parallel()
	body := []string{fake(60, b64, 64), fake(61, b64, 64), fake(62, b64, 20) + "=="}
	in := "Here is the key:\n-----BEGIN OPENSSH PRIVATE KEY-----\n" + strings.Join(body, "\n") +
		"\n-----END OPENSSH PRIVATE KEY-----\nthanks"
	got, secrets := redact.New().String(in)
	want := "Here is the key:\n-----BEGIN OPENSSH PRIVATE KEY-----\n«redacted:private-key#1»\n«redacted:private-key#2»\n«redacted:private-key#3»\n-----END OPENSSH PRIVATE KEY-----\nthanks"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(secrets) != 3 {
		t.Errorf("got %d secrets, want 3", len(secrets))
	}
}

func TestNewWithOptions(t *testing.T) {
	t.Parallel()
	r, err := redact.NewWithOptions(redact.Options{
		Rules: []redact.Rule{{ID: "acme-key", Keywords: []string{"acme_"}, Pattern: `\bacme_([0-9a-f]{16})\b`}},
		Allow: []string{`AKIAIOSFODNN7EXAMPLE`},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := r.String(`k := "acme_0123456789abcdef" // AKIAIOSFODNN7EXAMPLE`)
	if want := `k := "acme_«redacted:acme-key#1»" // AKIAIOSFODNN7EXAMPLE`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []redact.Options{
		{Rules: []redact.Rule{{ID: "Bad ID", Pattern: `x`}}},
		{Rules: []redact.Rule{{ID: "ok", Pattern: `(`}}},
		{Allow: []string{`[`}},
	} {
		if _, err := redact.NewWithOptions(bad); err == nil {
			t.Errorf("NewWithOptions(%+v): want an error", bad)
		}
	}
}

// TestPassKeys checks that "pass" names a secret as a whole key or its last segment, and
// not inside a word (bypass, compass, PASSTHROUGH).
func TestPassKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, line, want string
	}{
		{"env file, bare", "config/app.ini", "SMTP_PASS=hunter2hunter", "SMTP_PASS=«redacted:secret-assignment#1»"},
		{"env file, db", "deploy/app.conf", "DB_PASS=correcthorse", "DB_PASS=«redacted:secret-assignment#1»"},
		{"env file, redis", "docker/app.properties", "REDIS_PASS = s3cr3t-redis", "REDIS_PASS = «redacted:secret-assignment#1»"},
		{"camel case", "app.js", `const dbPass = "hunter2hunter";`, `const dbPass = "«redacted:secret-assignment#1»";`},
		{"camel case upper", "app.js", `dbPASS: "hunter2hunter",`, `dbPASS: "«redacted:secret-assignment#1»",`},
		{"after an acronym", "App.java", `String DBPass = "hunter2hunter";`, `String DBPass = "«redacted:secret-assignment#1»";`},
		{"kebab and digit", "values.yaml", "smtp-pass2: hunter2hunter", "smtp-pass2: «redacted:secret-assignment#1»"},
		{"dotted", "app.properties", "mail.pass=hunter2hunter", "mail.pass=«redacted:secret-assignment#1»"},
		{"whole key", "app.py", `pass = "hunter2hunter"`, `pass = "«redacted:secret-assignment#1»"`},
		{"passthrough", "config/app.ini", "PASSTHROUGH=enabled-for-all", "PASSTHROUGH=enabled-for-all"},
		{"bypass", "config/app.ini", "bypass=cache-layer-one", "bypass=cache-layer-one"},
		{"compass", "config/app.ini", "COMPASS=north-north-east", "COMPASS=north-north-east"},
		{"passes", "app.py", `passes = "three-or-more"`, `passes = "three-or-more"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &diff.File{NewPath: tt.path, Hunks: []diff.Hunk{{Lines: []diff.Line{line(diff.Added, 0, 1, tt.line)}}}}
			got, _ := redact.New().File(f)
			if diff := cmp.Diff(tt.want, got.Hunks[0].Lines[0].Content); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
