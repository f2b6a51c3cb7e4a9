{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "lockstep.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name, used for every object of the release. */}}
{{- define "lockstep.fullname" -}}
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

{{- define "lockstep.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lockstep.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "lockstep.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "lockstep.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: lockstep
{{- end }}

{{- define "lockstep.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lockstep.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "lockstep.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
What the controller does with namespaced built-in resources. Granted cluster-wide by a
ClusterRole, or, when watchNamespaces is set, by one Role per watched namespace.
*/}}
{{- define "lockstep.namespacedRules" -}}
# Target Secrets (create, update, delete per creationPolicy/deletionPolicy) and the
# Secrets that stores and auth methods reference.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
# templateFrom of kind ConfigMap, and a store's caProvider of type ConfigMap.
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get"]
# Kubernetes and JWT auth use a token of the service account in the synced resource's
# namespace, from the TokenRequest API.
- apiGroups: [""]
  resources: ["serviceaccounts/token"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
# rolloutRestartTargets: patch restarts; get tells when a rollout finished.
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets", "daemonsets"]
  verbs: ["get", "patch"]
- apiGroups: ["argoproj.io"]
  resources: ["rollouts"]
  verbs: ["get", "patch"]
# GeneratorStates: one per generation of an ExternalSecret's generator source; superseded ones
# get a GC deadline (patch) and are deleted after it (watched for that).
- apiGroups: ["generators.lockstep.dev"]
  resources: ["generatorstates"]
  verbs: ["list", "watch", "create", "patch", "delete"]
{{- end }}

{{/* The flags the binary gets; docs/helm.md lists the value behind each. */}}
{{- define "lockstep.args" -}}
{{- if not (or .Values.generic.enabled .Values.vaultNative.enabled) }}
{{- fail "enable at least one model: generic.enabled or vaultNative.enabled" }}
{{- end -}}
- --metrics-bind-address=:{{ .Values.metrics.port }}
- --health-probe-bind-address=:{{ .Values.healthProbe.port }}
- --controller-namespace={{ .Release.Namespace }}
- --log-level={{ .Values.logLevel }}
- --concurrency={{ .Values.concurrency }}
- --shutdown-timeout={{ .Values.shutdownTimeoutMs }}
{{- if .Values.leaderElection.enabled }}
- --leader-elect
{{- end }}
{{- if .Values.generic.enabled }}
- --enable-generic
{{- end }}
{{- if .Values.vaultNative.enabled }}
- --enable-vault-native
{{- end }}
{{- range .Values.watchNamespaces }}
- --namespace={{ . }}
{{- end }}
{{- with .Values.controllerClass }}
- --controller-class={{ . }}
{{- end }}
{{- if .Values.allowClusterStoreAmbientCredentials }}
- --allow-cluster-store-ambient-credentials
{{- end }}
{{- if .Values.refuseInsecureTransport }}
- --refuse-insecure-transport
{{- end }}
{{- with .Values.extraArgs }}
{{ toYaml . }}
{{- end }}
{{- end }}
