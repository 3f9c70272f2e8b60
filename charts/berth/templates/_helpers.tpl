{{/* Names and labels shared by every template. */}}

{{- define "berth.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "berth.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "berth.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "berth.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "berth.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: berth
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{ include "berth.selectorLabels" . }}
{{- end -}}

{{- define "berth.selectorLabels" -}}
app.kubernetes.io/name: berth-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "berth.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "berth.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
repository:tag, or repository@digest when a digest is set; the tag defaults to the chart's appVersion.
global.imageRegistry replaces the repository's registry host (a first segment with a dot or a colon, or localhost)
or, when it has none, prefixes it. Call with (dict "image" .Values.x.image "appVersion" .Chart.AppVersion "global" .Values.global).
*/}}
{{- define "berth.image" -}}
{{- $repository := .image.repository -}}
{{- $registry := "" -}}
{{- if .global -}}{{- $registry = trimSuffix "/" (default "" .global.imageRegistry) -}}{{- end -}}
{{- if $registry -}}
{{- $segments := splitList "/" $repository -}}
{{- $first := first $segments -}}
{{- if and (gt (len $segments) 1) (or (contains "." $first) (contains ":" $first) (eq $first "localhost")) -}}
{{- $repository = join "/" (rest $segments) -}}
{{- end -}}
{{- $repository = printf "%s/%s" $registry $repository -}}
{{- end -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (default .appVersion .image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
The names of the pull secrets in global.imagePullSecrets and one more list, each once, in order; entries may be
names or {name: ...}. Call with (dict "global" .Values.global "local" .Values.x.imagePullSecrets); renders a JSON list.
*/}}
{{- define "berth.pullSecretNames" -}}
{{- $names := list -}}
{{- $global := list -}}
{{- if .global -}}{{- $global = default list .global.imagePullSecrets -}}{{- end -}}
{{- range (concat $global (default list .local)) -}}
{{- $name := . -}}
{{- if kindIs "map" . -}}{{- $name = .name -}}{{- end -}}
{{- if not (has $name $names) -}}{{- $names = append $names $name -}}{{- end -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}

{{/*
The chart's pod settings of proxy.* or nodeAgent.* as the JSON the operator's --proxy-pod / --node-agent-pod read,
empty ones left out; "" when every one is empty (the flag is then not passed).
*/}}
{{- define "berth.podSettings" -}}
{{- $out := dict -}}
{{- range $key := list "resources" "nodeSelector" "tolerations" "affinity" "podAnnotations" "priorityClassName" "extraHostPaths" -}}
{{- with get $ $key -}}{{- $_ := set $out $key . -}}{{- end -}}
{{- end -}}
{{- if $out -}}{{- toJson $out -}}{{- end -}}
{{- end -}}

{{/*
The rules of one Role or ClusterRole of operator/config/rbac.yaml, the operator's own RBAC manifest:
files/operator-rbac.yaml is a symlink to it, so the chart and the operator's tests grant the same rules.
Call with (dict "ctx" $ "kind" "ClusterRole" "name" "berth-operator").
*/}}
{{- define "berth.rulesFrom" -}}
{{- $found := list -}}
{{- range splitList "\n---\n" (.ctx.Files.Get "files/operator-rbac.yaml") -}}
{{- $o := fromYaml . -}}
{{- if and (eq (toString (get $o "kind")) $.kind) (eq (toString (dig "metadata" "name" "" $o)) $.name) -}}
{{- $found = get $o "rules" -}}
{{- end -}}
{{- end -}}
{{- if not $found -}}
{{- fail (printf "files/operator-rbac.yaml (operator/config/rbac.yaml) has no %s %s" .kind .name) -}}
{{- end -}}
{{- toYaml $found -}}
{{- end -}}
