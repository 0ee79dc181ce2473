{{/* Chart name, overridable. */}}
{{- define "vmha.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped base name: the release name if it already contains the chart name. */}}
{{- define "vmha.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "vmha.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vmha.labels" -}}
helm.sh/chart: {{ include "vmha.chart" . }}
app.kubernetes.io/name: {{ include "vmha.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: vmha
{{- end -}}

{{/* Selector of the operator's pods. */}}
{{- define "vmha.operatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "vmha.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "vmha.operatorLabels" -}}
{{ include "vmha.labels" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "vmha.operatorName" -}}
{{- printf "%s-operator" (include "vmha.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vmha.agentName" -}}
{{- printf "%s-agent" (include "vmha.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vmha.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "vmha.operatorName" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "vmha.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Namespace of the host identities (ServiceAccounts vmha-host-NAME); `vmha host-credentials` defaults to the same. */}}
{{- define "vmha.hostIdentityNamespace" -}}
{{- default (printf "%s-hosts" .Release.Namespace) .Values.agent.identityNamespace -}}
{{- end -}}

{{/* The admission policies' test for a host agent's request; . is a dict of prefix, legacy and group. */}}
{{- define "vmha.hostAgentMatch" -}}
- name: is-host-agent
  expression: >-
    request.userInfo.username.startsWith('{{ .prefix }}') ||
    request.userInfo.username.startsWith('{{ .legacy }}') ||
    (has(request.userInfo.groups) && request.userInfo.groups.exists(g, g == '{{ .group }}'))
{{- end }}

{{/* The host a host agent's request comes from, or '' for another identity of the identity namespace. */}}
{{- define "vmha.hostAgentName" -}}
- name: host
  expression: >-
    request.userInfo.username.startsWith('{{ .prefix }}') ?
    request.userInfo.username.substring({{ len .prefix }}) :
    (request.userInfo.username.startsWith('{{ .legacy }}') ?
     request.userInfo.username.substring({{ len .legacy }}) : '')
{{- end }}
