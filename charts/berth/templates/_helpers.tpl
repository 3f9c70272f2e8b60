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

{{/* repository:tag, or repository@digest when a digest is set; the tag defaults to the chart's appVersion. */}}
{{- define "berth.image" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (default .appVersion .image.tag) -}}
{{- end -}}
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
