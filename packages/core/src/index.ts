// Public surface of @lockstep/core: what other packages may import.

// CRD schemas: shared pieces, schema helpers and the CRD builder (TypeBox is the source of truth).
export { type CheckedRule, celRules, firstViolation } from './api/cel-rules.ts';
export { type Condition, ConditionsSchema } from './api/conditions.ts';
export { buildCrd, type CrdSource, crdFileName, type PrinterColumn } from './api/crd-builder.ts';
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
export { type RolloutRestartTarget, RolloutRestartTargetsSchema } from './api/rollout-restart-targets.ts';
export {
  ExactlyOneOf,
  FreeForm,
  GoDuration,
  Int64,
  KubeObject,
  MapOf,
  StringEnum,
  StringMap,
  Timestamp,
  VsoDuration,
} from './api/schema-helpers.ts';
export {
  DESTINATION_RULES,
  type Destination,
  DestinationSchema,
  type Transformation,
} from './api/secret-destination.ts';
// Runtime machinery: clock, work queue, informers, conditions, logging, metrics.
export { awaitAll } from './async/await-all.ts';
export { pacer } from './async/event-loop-turn.ts';
export { type Clock, realClock, type Timer } from './clock/clock.ts';
export { FakeClock } from './clock/fake-clock.ts';
export { type Random, seededRandom, systemRandom } from './clock/random.ts';
// Durations and rollout restarts.
export { DurationError, formatDuration, parseGoDuration } from './duration/go-duration.ts';
// Backend-facing interfaces (providers, generators, Kubernetes access, error classes).
export { BackendError, classifyHttpStatus, type ErrorClass, isNotFound, isRetryable } from './errors/backend-error.ts';
export { describeFailure, type FailureDescription } from './errors/describe-failure.ts';
export { type KubeCallTarget, kubeCall, kubeError } from './errors/kube-call.ts';
export { SpecProblem } from './errors/spec-problem.ts';
export { ResourceInformer } from './informer/informer.ts';

export { scopedInformer } from './informer/scoped-informer.ts';
export { LAST_APPLIED_ANNOTATION, slimObject } from './informer/slim-object.ts';

// KubeAccess over @kubernetes/client-node.
export { createKubeAccess } from './kube/client-kube-access.ts';
export { reuseConnections } from './kube/connection-reuse.ts';
export type { KubeAccess, SecretKeySelector } from './kube/kube-access.ts';
// Controller runtime: one informer feeding one queue, status patches, events, selectors.
export { matchesLabelSelector } from './kube/label-selector.ts';
export { createLogger, isLogLevel, type Logger, type LogLevel } from './log/logger.ts';

export { describeUnexpected } from './log/unexpected-error.ts';

export { createMetrics, type LockstepMetrics } from './metrics/metrics.ts';
export { PROMETHEUS_CONTENT_TYPE } from './metrics/prometheus.ts';
// Secret writer, client reuse and read coalescing.
export { checkCaProvider, readCaProvider } from './provider/ca-provider.ts';
export { ClientCache } from './provider/client-cache.ts';
export { CoalescingClient } from './provider/coalescing-client.ts';
export { credentialNamespace } from './provider/credential-namespace.ts';
export type { Generator, GeneratorContext, GeneratorResult, LeaseInfo } from './provider/generator.ts';
export type { LeasedGenerator, LeasedSourceResult, LeasedSourceRun } from './provider/leased-generator.ts';
export type {
  DecodingStrategy,
  FindRef,
  Provider,
  ProviderContext,
  PushOptions,
  PushRef,
  RemoteRef,
  SecretMap,
  SecretsClient,
  StoreRef,
  UpcomingReads,
} from './provider/provider.ts';
export {
  type ProviderCallObserver,
  type ProviderDescription,
  type ProviderRegistration,
  type ProviderSetup,
  storeProviderSchemas,
} from './provider/provider-registration.ts';
export { parsePushMetadata } from './provider/push-metadata.ts';
export { ProviderRegistry } from './provider/registry.ts';
export { defaultBackoff } from './queue/backoff.ts';
export { objectKey, parseObjectKey } from './queue/object-key.ts';
export { type ReconcileResult, retryAfterHint } from './queue/reconcile-result.ts';

// User-supplied regular expressions: RE2 (Go) syntax, linear time, bounded work per call.
export { compileUserRegex, UserRegexError, userRegexPredicate } from './regex/user-regex.ts';
export { announceSecretWrite, type WriteAnnouncer } from './rollout/announce-write.ts';
export { clientRolloutRestarter, type RolloutRestarter } from './rollout/rollout-restarter.ts';
export { type RolloutState, type RolloutTarget, restartValue } from './rollout/rollout-targets.ts';
export { Controller } from './runtime/controller.ts';
export {
  clientEventSink,
  createEventRecorder,
  type EventRecorder,
  type InvolvedObject,
} from './runtime/event-recorder.ts';
export type { LeaseSource, Model, SharedInformer } from './runtime/model.ts';
export { modelController } from './runtime/model-controller.ts';
export type { ModelDeps } from './runtime/model-deps.ts';
export { clientStatusPatcher, type StatusPatcher, type StatusTarget } from './runtime/status-patcher.ts';

export { conditionsEqual, READY as READY_CONDITION, setCondition } from './status/conditions.ts';
export { INSECURE_TRANSPORT, insecureTransportIsNew, withTransportCondition } from './status/insecure-transport.ts';
// Template engine (Go text/template + Sprig, sandboxed) for ExternalSecret and VSO transformation templates.
export { type CompiledTemplate, compileTemplate, TemplateError } from './template/index.ts';
// Test helpers the other packages' tests share.

export { dataMac } from './writer/data-mac.ts';
export { loadOrCreateHmacKey } from './writer/hmac-key.ts';
export { DATA_MAC_ANNOTATION, MANAGED_LABEL, MANAGED_SELECTOR } from './writer/labels.ts';
export { clientSecretApi, type SecretApi } from './writer/secret-api.ts';
export { decodeData } from './writer/secret-encoding.ts';
export { mergedData, ownershipRefusal, secretOwnership } from './writer/secret-ownership.ts';
export { planSecretWrite, type WritePlanInput, type WriteReason } from './writer/secret-plan.ts';
export { writeSecret } from './writer/secret-writer.ts';
