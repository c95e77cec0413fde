{{/*
Name of the chart, overridable by nameOverride.
*/}}
{{- define "runner-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name, truncated to 63 characters (DNS label limit).
If the release name contains the chart name it is used as the full name.
*/}}
{{- define "runner-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, as used by the helm.sh/chart label.
*/}}
{{- define "runner-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "runner-operator.labels" -}}
helm.sh/chart: {{ include "runner-operator.chart" . }}
{{ include "runner-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ include "runner-operator.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: runner-operator
{{- end }}

{{/*
Selector labels (immutable on the Deployment: keep them minimal).
*/}}
{{- define "runner-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "runner-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Name of the ServiceAccount to use.
*/}}
{{- define "runner-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "runner-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image tag: the value, or the chart's appVersion.
*/}}
{{- define "runner-operator.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion | toString | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of the leader-election Lease.
*/}}
{{- define "runner-operator.leaseName" -}}
{{- .Values.leaderElection.leaseName | default (include "runner-operator.fullname" .) }}
{{- end }}

{{/*
The rules the operator needs on the namespaces it watches (least privilege, no wildcards).
Shared by the ClusterRole (all namespaces) and the per-namespace Roles.
*/}}
{{- define "runner-operator.watchRules" -}}
- apiGroups: ["runner.dev"]
  resources: ["runnergroups"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["runner.dev"]
  resources: ["runnergroups/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["runner.dev"]
  resources: ["runnergroups/finalizers"]
  verbs: ["update"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["statefulsets"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "create", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}
