// @lockstep/core/testing: the in-memory fakes and clocks other packages' tests share (never imported by production code).
export { FakeClock, settle } from '../clock/fake-clock.ts';
export { fixedRandom } from '../clock/random.ts';
export { silentLogger } from '../log/logger.ts';
export { measureEventLoopHold } from './event-loop-hold.ts';
export { InMemorySecretApi, type RecordedSecretWrite, type SecretWriteOperation } from './in-memory-secret-api.ts';
export { InMemoryStatusPatcher, mergePatch, type RecordedPatch } from './in-memory-status.ts';
export { type RecordedEvent, RecordingEvents } from './recording-events.ts';
