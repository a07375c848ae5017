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
fileSecretSources are the Secrets reviewer may read from a file: where the value names
it, the Secret reference, the configuration key (as a path) and the file's name. The
status page's are there only with ui.enabled.
*/}}
{{- define "reviewer.fileSecretSources" -}}
{{- $s := .Values.secrets -}}
{{- $all := list
  (dict "value" "secrets.githubPrivateKey" "ref" $s.githubPrivateKey "path" (list "github" "private_key_file") "file" "github-private-key.pem")
  (dict "value" "secrets.githubWebhookSecret" "ref" $s.githubWebhookSecret "path" (list "github" "webhook_secret_file") "file" "github-webhook-secret")
  (dict "value" "secrets.gitlabWebhookSecret" "ref" $s.gitlabWebhookSecret "path" (list "gitlab" "webhook_secret_file") "file" "gitlab-webhook-secret")
  (dict "value" "secrets.gatewayAPIKey" "ref" $s.gatewayAPIKey "path" (list "gateway" "api_key_file") "file" "gateway-api-key")
  (dict "value" "secrets.securityKey" "ref" $s.securityKey "path" (list "security" "key_file") "file" "security-key")
  (dict "value" "secrets.traceHeaders" "ref" $s.traceHeaders "path" (list "telemetry" "traces" "headers_file") "file" "trace-headers")
  (dict "value" "ui.token" "ref" (ternary .Values.ui.token (dict) .Values.ui.enabled) "path" (list "server" "ui" "token_file") "file" "ui-token")
  (dict "value" "ui.basicAuth" "ref" (ternary .Values.ui.basicAuth (dict) .Values.ui.enabled) "path" (list "server" "ui" "basic_auth_file") "file" "ui-htpasswd")
-}}
{{- toYaml $all -}}
{{- end -}}

{{/* fileSecrets are those of fileSecretSources whose Secret is named: mounted and set. */}}
{{- define "reviewer.fileSecrets" -}}
{{- $on := list -}}
{{- range $s := include "reviewer.fileSecretSources" . | fromYamlArray -}}
{{- if and $s.ref (dig "name" "" $s.ref) -}}
{{- $on = append $on $s -}}
{{- end -}}
{{- end -}}
{{- toYaml $on -}}
{{- end -}}

{{/*
envSecrets are the Secrets reviewer reads only from the environment (it has no *_file
key for them): value name, variable.
*/}}
{{- define "reviewer.envSecrets" -}}
- {value: queueURL, env: REVIEWER_QUEUE_URL}
- {value: githubToken, env: REVIEWER_GITHUB_TOKEN}
- {value: gitlabToken, env: REVIEWER_GITLAB_TOKEN}
{{- end -}}

{{/* lookup is the value at a dotted path of a map, or "" (arguments: map, path list). */}}
{{- define "reviewer.lookup" -}}
{{- $v := index . 0 -}}
{{- range $p := index . 1 -}}
{{- if kindIs "map" $v -}}{{- $v = index $v $p -}}{{- else -}}{{- $v = "" -}}{{- end -}}
{{- end -}}
{{- if kindIs "invalid" $v -}}{{- else -}}{{- toString $v -}}{{- end -}}
{{- end -}}

{{/* clonesDir is where reviewer keeps its partial clones, under the clones volume. */}}
{{- define "reviewer.clonesDir" -}}/var/cache/reviewer/clones{{- end -}}

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
{{- range $key := list "gateway.api_key" "gateway.headers" "github.token" "github.private_key" "github.webhook_secret" "gitlab.token" "gitlab.webhook_secret" "security.key" "telemetry.traces.headers" -}}
{{- if include "reviewer.lookup" (list $cfg (splitList "." $key)) -}}
{{- fail (printf "config.%s holds a secret and would be stored in a ConfigMap: name a Secret in secrets (see values.yaml) instead" $key) -}}
{{- end -}}
{{- end -}}
{{- range $s := include "reviewer.fileSecretSources" . | fromYamlArray -}}
{{- if include "reviewer.lookup" (list $cfg $s.path) -}}
{{- fail (printf "config.%s is set by the chart, to a file it mounts from the Secret %s names (see values.yaml)" (join "." $s.path) $s.value) -}}
{{- end -}}
{{- end -}}
{{- range $key := list "server.clones.dir" "server.clones.max_mib" -}}
{{- if include "reviewer.lookup" (list $cfg (splitList "." $key)) -}}
{{- fail (printf "config.%s is set by the chart: use clones.enabled, clones.maxMiB and clones.sizeLimitMiB (see values.yaml)" $key) -}}
{{- end -}}
{{- end -}}
{{- if dig "queue" "url" "" $cfg -}}
{{- fail "config.queue.url is set by the chart: name the PostgreSQL URL's Secret in secrets.queueURL, or leave it empty for SQLite on a volume" -}}
{{- end -}}
{{- $_ := mustMergeOverwrite $cfg (dict "server" (dict "listen" (printf ":%d" (int .Values.containerPort)))) -}}
{{- if not (include "reviewer.postgres" .) -}}
{{- $_ := mustMergeOverwrite $cfg (dict "queue" (dict "url" "sqlite:///data/reviewer.db")) -}}
{{- end -}}
{{- if .Values.clones.enabled -}}
{{- $_ := mustMergeOverwrite $cfg (dict "server" (dict "clones" (dict "dir" (include "reviewer.clonesDir" .) "max_mib" (int .Values.clones.maxMiB)))) -}}
{{- else -}}
{{- $_ := mustMergeOverwrite $cfg (dict "server" (dict "clones" (dict "max_mib" 0))) -}}
{{- end -}}
{{- $dir := include "reviewer.secretDir" . -}}
{{- range $s := include "reviewer.fileSecrets" . | fromYamlArray -}}
{{- $d := dict (last $s.path) (printf "%s/%s" $dir $s.file) -}}
{{- range $p := initial $s.path | reverse -}}
{{- $d = dict $p $d -}}
{{- end -}}
{{- $_ := mustMergeOverwrite $cfg $d -}}
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
{{- if and .Values.ui.enabled (not (or .Values.ui.token.name .Values.ui.basicAuth.name)) -}}
{{- fail "ui.enabled with no credentials: name the Secret holding the status page's token in ui.token.name, or its htpasswd file in ui.basicAuth.name" -}}
{{- end -}}
{{- if and .Values.ingress.ui (not .Values.ui.enabled) -}}
{{- fail "ingress.ui routes /ui/, but the status page is off: set ui.enabled and its credentials, or leave ingress.ui false" -}}
{{- end -}}
{{- if .Values.clones.enabled -}}
{{- if lt (int .Values.clones.maxMiB) 1 -}}
{{- fail (printf "clones.maxMiB %v: want at least 1 with clones.enabled (clones.enabled false turns the clones off)" .Values.clones.maxMiB) -}}
{{- end -}}
{{- if le (int .Values.clones.sizeLimitMiB) (int .Values.clones.maxMiB) -}}
{{- fail (printf "clones.sizeLimitMiB %v is not above clones.maxMiB %v: the kubelet evicts a pod whose emptyDir passes its limit, and the cache may pass maxMiB while a fetch runs" .Values.clones.sizeLimitMiB .Values.clones.maxMiB) -}}
{{- end -}}
{{- end -}}
{{- end -}}
