// A StatusPatcher that keeps what a merge patch would leave on the object, per target,
// and records every patch: unit tests read conditions back instead of mocking calls.

import type { StatusPatcher, StatusTarget } from '../runtime/status-patcher.ts';

export interface RecordedPatch {
  target: StatusTarget;
  body: Record<string, unknown>;
}

export class InMemoryStatusPatcher implements StatusPatcher {
  readonly statusPatches: RecordedPatch[] = [];
  readonly metadataPatches: RecordedPatch[] = [];
  readonly #status = new Map<string, Record<string, unknown>>();
  readonly #metadata = new Map<string, Record<string, unknown>>();

  async patchStatus(target: StatusTarget, status: object): Promise<void> {
    const body = structuredClone(status) as Record<string, unknown>;
    this.statusPatches.push({ target: { ...target }, body });
    this.#status.set(keyOf(target), mergePatch(this.#status.get(keyOf(target)) ?? {}, body));
  }

  async patchMetadata(target: StatusTarget, metadata: object): Promise<void> {
    const body = structuredClone(metadata) as Record<string, unknown>;
    this.metadataPatches.push({ target: { ...target }, body });
    this.#metadata.set(keyOf(target), mergePatch(this.#metadata.get(keyOf(target)) ?? {}, body));
  }

  /** The merged status of one object (matched by plural, namespace and name), or undefined if never patched. */
  statusOf(target: Pick<StatusTarget, 'plural' | 'namespace' | 'name'>): Record<string, unknown> | undefined {
    const found = this.#status.get(keyOf(target));
    return found ? structuredClone(found) : undefined;
  }

  metadataOf(target: Pick<StatusTarget, 'plural' | 'namespace' | 'name'>): Record<string, unknown> | undefined {
    const found = this.#metadata.get(keyOf(target));
    return found ? structuredClone(found) : undefined;
  }
}

/** RFC 7386 JSON merge patch: objects merge, arrays and scalars replace, null deletes. */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isPlainObject(value)) out[key] = mergePatch(isPlainObject(out[key]) ? out[key] : {}, value);
    else out[key] = structuredClone(value);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keyOf(target: Pick<StatusTarget, 'plural' | 'namespace' | 'name'>): string {
  return `${target.plural}/${target.namespace ?? ''}/${target.name}`;
}
