// Public surface of @lockstep/core: what other packages may import.

// CRD schemas: shared pieces, schema helpers and the CRD builder (TypeBox is the source of truth).
export { type CheckedRule, celRules, firstViolation } from './api/cel-rules.ts';
export {
  type Condition,
  ConditionSchema,
  ConditionsSchema,
  READY_REASON_PATH,
  READY_STATUS_PATH,
} from './api/conditions.ts';
export {
  buildCrd,
  type CrdSource,
  crdFileName,
  type JsonSchema,
  type PrinterColumn,
  toStructuralSchema,
} from './api/crd-builder.ts';
export {
  EXTERNAL_CATEGORIES,
  EXTERNAL_GROUP,
  EXTERNAL_VERSION,
  GENERATOR_CATEGORIES,
  GENERATORS_GROUP,
  GENERATORS_VERSION,
  VAULT_CATEGORIES,
  VAULT_GROUP,
  VAULT_VERSION,
} from './api/groups.ts';
export {
  type LeaseLedger,
  LeaseLedgerSchema,
  type LedgerEntry,
  type LockstepStatus,
  LockstepStatusSchema,
  type MultiLedgerStatus,
  MultiLedgerStatusSchema,
  type PendingIssue,
  type PreviousLease,
} from './api/lease-ledger.ts';
export {
  type CaProvider,
  CaProviderSchema,
  type LabelSelector,
  LabelSelectorSchema,
  type SecretKeySelectorRef,
  SecretKeySelectorSchema,
  type ServiceAccountSelector,
  ServiceAccountSelectorSchema,
} from './api/references.ts';
export {
  ROLLOUT_RESTART_KINDS,
  type RolloutRestartTarget,
  RolloutRestartTargetSchema,
  RolloutRestartTargetsSchema,
} from './api/rollout-restart-targets.ts';
export {
  ExactlyOneOf,
  FreeForm,
  GO_DURATION_PATTERN,
  GoDuration,
  Int64,
  KubeObject,
  MapOf,
  ObjectMeta,
  StringEnum,
  StringMap,
  Timestamp,
  VSO_DURATION_PATTERN,
  VsoDuration,
} from './api/schema-helpers.ts';
export {
  DESTINATION_RULES,
  type Destination,
  DestinationSchema,
  type Transformation,
  TransformationSchema,
} from './api/secret-destination.ts';
// Runtime machinery: clock, work queue, informers, conditions, logging, metrics.
export { awaitAll } from './async/await-all.ts';
export { pacer } from './async/event-loop-turn.ts';
export { type Clock, realClock, type Timer } from './clock/clock.ts';
export { FakeClock, settle } from './clock/fake-clock.ts';
export { fixedRandom, type Random, seededRandom, systemRandom } from './clock/random.ts';
// Durations and rollout restarts.
export { DurationError, formatDuration, parseGoDuration } from './duration/go-duration.ts';
// Backend-facing interfaces (providers, generators, Kubernetes access, error classes).
export { BackendError, classifyHttpStatus, type ErrorClass, isNotFound, isRetryable } from './errors/backend-error.ts';
export { describeFailure, type FailureDescription } from './errors/describe-failure.ts';
export { type KubeCallTarget, kubeCall, kubeError } from './errors/kube-call.ts';
export { SpecProblem } from './errors/spec-problem.ts';
export {
  enqueueHandlers,
  type InformerHandlers,
  type InformerOptions,
  ResourceInformer,
} from './informer/informer.ts';
export { collectionPath, type ResourceRef } from './informer/resource-path.ts';
export { MultiNamespaceInformer, scopedInformer } from './informer/scoped-informer.ts';
// KubeAccess over @kubernetes/client-node.
export { createKubeAccess } from './kube/client-kube-access.ts';
export { reuseConnections } from './kube/connection-reuse.ts';
export type { KubeAccess, SecretKeySelector, ServiceAccountTokenRequest } from './kube/kube-access.ts';
// Controller runtime: one informer feeding one queue, status patches, events, selectors.
export { matchesLabelSelector } from './kube/label-selector.ts';
export {
  type CreateLoggerOptions,
  createLogger,
  isLogLevel,
  LOG_LEVELS,
  type Logger,
  type LogLevel,
  type ObjectRef,
  objectLogger,
  silentLogger,
} from './log/logger.ts';
export { isSensitiveField, REDACT_PATHS, redactDeep, SENSITIVE_FIELDS } from './log/redaction.ts';
export { describeUnexpected } from './log/unexpected-error.ts';
export type { LockstepInstruments, QueueGaugeSource } from './metrics/instruments.ts';
export { createMetrics, type LockstepMetrics } from './metrics/metrics.ts';
export { PROMETHEUS_CONTENT_TYPE } from './metrics/prometheus.ts';
// Secret writer, client reuse and read coalescing.
export { ClientCache } from './provider/client-cache.ts';
export { CoalescingClient } from './provider/coalescing-client.ts';
export { credentialNamespace } from './provider/credential-namespace.ts';
export type { Generator, GeneratorContext, GeneratorResult, LeaseInfo } from './provider/generator.ts';
export type { LeasedGenerator, LeasedSourceResult, LeasedSourceRun } from './provider/leased-generator.ts';
export type {
  ConversionStrategy,
  DecodingStrategy,
  FindRef,
  MetadataPolicy,
  Provider,
  ProviderContext,
  PushOptions,
  PushRef,
  RemoteRef,
  SecretMap,
  SecretsClient,
  StoreRef,
} from './provider/provider.ts';
export {
  type ProviderCallObserver,
  type ProviderDescription,
  type ProviderRegistration,
  type ProviderSetup,
  storeProviderSchemas,
} from './provider/provider-registration.ts';
export { ProviderRegistry, type ProviderRegistryOptions } from './provider/registry.ts';
export { type BackoffPolicy, backoffDelay, defaultBackoff, KeyedBackoff } from './queue/backoff.ts';
export { keyOf, type ObjectKey, objectKey, parseObjectKey } from './queue/object-key.ts';
export { done, type ReconcileResult, requeueAfter, retryAfterHint } from './queue/reconcile-result.ts';
export {
  type DrainResult,
  type ReconcileEvent,
  type ReconcileFn,
  WorkQueue,
  type WorkQueueOptions,
} from './queue/work-queue.ts';
// User-supplied regular expressions: RE2 (Go) syntax, linear time, bounded work per call.
export { compileUserRegex, UserRegexError, userRegexPredicate } from './regex/user-regex.ts';
export {
  announceSecretWrite,
  type SecretWritten,
  type WriteAnnouncer,
} from './rollout/announce-write.ts';
export { clientRolloutRestarter, type RolloutRestarter } from './rollout/rollout-restarter.ts';
export {
  type RolloutState,
  type RolloutTarget,
  type RolloutTargetKind,
  restartValue,
  rolloutState,
} from './rollout/rollout-targets.ts';
export { Controller, type ControllerOptions } from './runtime/controller.ts';
export {
  clientEventSink,
  createEventRecorder,
  type EventRecorder,
  type EventSink,
  type InvolvedObject,
} from './runtime/event-recorder.ts';
export type { LeaseSource, Model, SharedInformer } from './runtime/model.ts';
export { type ModelControllerOptions, modelController } from './runtime/model-controller.ts';
export type { ModelDeps } from './runtime/model-deps.ts';
export { clientStatusPatcher, type StatusPatcher, type StatusTarget } from './runtime/status-patcher.ts';
export { ConditionMessage, REDACTED, sanitizeConditionMessage } from './status/condition-message.ts';
export {
  type ConditionStatus,
  type ConditionUpdate,
  conditionsEqual,
  getCondition,
  isReady,
  MAX_CONDITION_MESSAGE,
  READY as READY_CONDITION,
  removeCondition,
  setCondition,
} from './status/conditions.ts';
export { INSECURE_TRANSPORT, insecureTransportIsNew, withTransportCondition } from './status/insecure-transport.ts';
// Template engine (Go text/template + Sprig, sandboxed) for ExternalSecret and VSO transformation templates.
export {
  type CompiledTemplate,
  type CompileOptions,
  compileTemplate,
  defaultLimits,
  type ExecuteOptions,
  type MissingKeyMode,
  TemplateError,
  type TemplateErrorKind,
  type TemplateLimits,
  type TemplatePosition,
} from './template/index.ts';
// Test helpers the other packages' tests share.
export { measureEventLoopHold } from './testing/event-loop-hold.ts';
export {
  InMemorySecretApi,
  type RecordedSecretWrite,
  type SecretWriteOperation,
} from './testing/in-memory-secret-api.ts';
export { InMemoryStatusPatcher, mergePatch, type RecordedPatch } from './testing/in-memory-status.ts';
export { type RecordedEvent, RecordingEvents } from './testing/recording-events.ts';
export { dataMac } from './writer/data-mac.ts';
export { HMAC_KEY_SECRET, loadOrCreateHmacKey } from './writer/hmac-key.ts';
export { DATA_MAC_ANNOTATION, MANAGED_LABEL, MANAGED_SELECTOR, RESTARTED_AT_ANNOTATION } from './writer/labels.ts';
export { clientSecretApi, type SecretApi } from './writer/secret-api.ts';
export { decodeData, encodeData } from './writer/secret-encoding.ts';
export { mergedData, ownershipRefusal, secretOwnership } from './writer/secret-ownership.ts';
export {
  type CreationPolicy,
  type DesiredSecret,
  planSecretWrite,
  type WritePlan,
  type WritePlanInput,
  type WriteReason,
} from './writer/secret-plan.ts';
export { type WriteResult, writeSecret } from './writer/secret-writer.ts';
