{{/* The chart's name, and the release's full name (at most 63 characters, DNS-1123). */}}
{{- define "reviewer.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "reviewer.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "reviewer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "reviewer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "reviewer.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "reviewer.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* postgres is true when the queue is on PostgreSQL (secrets.queueURL names a Secret). */}}
{{- define "reviewer.postgres" -}}
{{- if .Values.secrets.queueURL.name -}}true{{- end -}}
{{- end -}}

{{/* secretDir is where the Secrets reviewer reads as files are mounted. */}}
{{- define "reviewer.secretDir" -}}/var/run/secrets/reviewer{{- end -}}

{{/*
fileSecrets are the Secrets reviewer reads from a file: value name, config key, file name.
*/}}
{{- define "reviewer.fileSecrets" -}}
- {value: githubPrivateKey, section: github, key: private_key_file, file: github-private-key.pem}
- {value: gatewayAPIKey, section: gateway, key: api_key_file, file: gateway-api-key}
- {value: securityKey, section: security, key: key_file, file: security-key}
{{- end -}}

{{/* envSecrets are the Secrets reviewer reads from the environment: value name, variable. */}}
{{- define "reviewer.envSecrets" -}}
- {value: queueURL, env: REVIEWER_QUEUE_URL}
- {value: githubWebhookSecret, env: REVIEWER_GITHUB_WEBHOOK_SECRET}
- {value: githubToken, env: REVIEWER_GITHUB_TOKEN}
- {value: gitlabWebhookSecret, env: REVIEWER_GITLAB_WEBHOOK_SECRET}
- {value: gitlabToken, env: REVIEWER_GITLAB_TOKEN}
{{- end -}}

{{/*
shutdownSeconds is config.server.shutdown_timeout in whole seconds, rounded up. It takes
Go's duration syntax as reviewer does, in whole numbers of h, m, s and ms.
*/}}
{{- define "reviewer.shutdownSeconds" -}}
{{- $d := toString (dig "server" "shutdown_timeout" "2m" .Values.config) -}}
{{- if not (regexMatch "^([0-9]+(h|ms|m|s))+$" $d) -}}
{{- fail (printf "config.server.shutdown_timeout %q: want a duration in whole h, m, s or ms, such as 2m, 90s or 1m30s" $d) -}}
{{- end -}}
{{- $ms := 0 -}}
{{- range $part := regexFindAll "[0-9]+(h|ms|m|s)" $d -1 -}}
{{- $num := regexFind "^[0-9]+" $part -}}
{{- $n := atoi $num -}}
{{- $unit := trimPrefix $num $part -}}
{{- if eq $unit "h" -}}{{- $ms = add $ms (mul $n 3600000) -}}
{{- else if eq $unit "m" -}}{{- $ms = add $ms (mul $n 60000) -}}
{{- else if eq $unit "s" -}}{{- $ms = add $ms (mul $n 1000) -}}
{{- else -}}{{- $ms = add $ms $n -}}
{{- end -}}
{{- end -}}
{{- div (add $ms 999) 1000 -}}
{{- end -}}

{{/* config is the configuration file: the values' config, with what the chart decides. */}}
{{- define "reviewer.config" -}}
{{- $cfg := deepCopy .Values.config -}}
{{- range $key := list "gateway.api_key" "gateway.headers" "github.token" "github.private_key" "github.webhook_secret" "gitlab.token" "gitlab.webhook_secret" "security.key" -}}
{{- $path := splitList "." $key -}}
{{- if dig (index $path 0) (index $path 1) "" $cfg -}}
{{- fail (printf "config.%s holds a secret and would be stored in a ConfigMap: name a Secret in secrets (see values.yaml) instead" $key) -}}
{{- end -}}
{{- end -}}
{{- if dig "queue" "url" "" $cfg -}}
{{- fail "config.queue.url is set by the chart: name the PostgreSQL URL's Secret in secrets.queueURL, or leave it empty for SQLite on a volume" -}}
{{- end -}}
{{- $_ := mustMergeOverwrite $cfg (dict "server" (dict "listen" (printf ":%d" (int .Values.containerPort)))) -}}
{{- if not (include "reviewer.postgres" .) -}}
{{- $_ := mustMergeOverwrite $cfg (dict "queue" (dict "url" "sqlite:///data/reviewer.db")) -}}
{{- end -}}
{{- $dir := include "reviewer.secretDir" . -}}
{{- range $s := include "reviewer.fileSecrets" . | fromYamlArray -}}
{{- if (index $.Values.secrets $s.value).name -}}
{{- $_ := mustMergeOverwrite $cfg (dict $s.section (dict $s.key (printf "%s/%s" $dir $s.file))) -}}
{{- end -}}
{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/* check fails on values that can not work. */}}
{{- define "reviewer.check" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not (include "reviewer.postgres" .)) -}}
{{- fail (printf "replicaCount %d needs PostgreSQL: the SQLite queue file serves one process. Name the Secret holding the postgres:// URL in secrets.queueURL.name" (int .Values.replicaCount)) -}}
{{- end -}}
{{- if not (or .Values.secrets.githubWebhookSecret.name .Values.secrets.gitlabWebhookSecret.name (dig "server" "insecure_webhooks" false .Values.config)) -}}
{{- fail "no webhook secret: name the Secret of secrets.githubWebhookSecret or secrets.gitlabWebhookSecret (reviewer serve refuses unsigned deliveries)" -}}
{{- end -}}
{{- end -}}
