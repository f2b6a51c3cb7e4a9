import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { RequestLogEntry, Verb } from '../apiserver/request-log.ts';

interface AuditEvent {
  verb?: string;
  user?: { username?: string };
  objectRef?: {
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
    apiVersion?: string;
  };
  responseStatus?: { code?: number };
  stageTimestamp?: string;
}

/**
 * Reads kube-apiserver's JSON audit log as request-log entries (the same shape the
 * embedded server records), incrementally: each call parses only what was appended.
 * The log may hold requests of other suites on a shared cluster; filter by namespace or user.
 */
export class AuditLog {
  readonly path: string;
  #offset = 0;
  #partial = '';
  #midLine = false;
  #entries: RequestLogEntry[] = [];

  /** `fromNow`: skip what the log already holds (a long run's log is large). */
  constructor(path: string, opts: { fromNow?: boolean } = {}) {
    this.path = path;
    if (opts.fromNow && existsSync(path)) {
      this.#offset = statSync(path).size;
      // The server may be mid-line at that size: what follows up to the next newline is the
      // tail of an older request, not a line of its own.
      this.#midLine = this.#offset > 0 && !endsWithNewline(path, this.#offset);
    }
  }

  /** Every resource request logged so far (since `clear()`). */
  requests(): RequestLogEntry[] {
    this.#readAppended();
    return [...this.#entries];
  }

  /** Forgets what was read; later calls see only newer requests. */
  clear(): void {
    this.take();
  }

  /**
   * What `requests()` would answer, forgotten in the same read: a line the server appends between
   * a `requests()` and a `clear()` would be dropped uncounted.
   */
  take(): RequestLogEntry[] {
    this.#readAppended();
    const taken = this.#entries;
    this.#entries = [];
    return taken;
  }

  #readAppended(): void {
    if (!existsSync(this.path)) return;
    const size = statSync(this.path).size;
    if (size <= this.#offset) return;
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(size - this.#offset);
      const n = readSync(fd, buf, 0, buf.length, this.#offset);
      this.#offset += n;
      const lines = (this.#partial + buf.subarray(0, n).toString('utf8')).split('\n');
      this.#partial = lines.pop() ?? '';
      if (this.#midLine && lines.length > 0) {
        lines.shift();
        this.#midLine = false;
      }
      for (const line of lines) {
        const entry = line ? toEntry(JSON.parse(line) as AuditEvent) : undefined;
        if (entry) this.#entries.push(entry);
      }
    } finally {
      closeSync(fd);
    }
  }
}

function endsWithNewline(path: string, size: number): boolean {
  const fd = openSync(path, 'r');
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

function toEntry(e: AuditEvent): RequestLogEntry | undefined {
  const ref = e.objectRef;
  if (!ref?.resource || !e.verb) return undefined;
  return {
    time: e.stageTimestamp ?? '',
    user: e.user?.username ?? '',
    verb: e.verb as Verb,
    group: ref.apiGroup ?? '',
    version: ref.apiVersion ?? '',
    resource: ref.resource,
    ...(ref.subresource ? { subresource: ref.subresource } : {}),
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    ...(ref.name ? { name: ref.name } : {}),
    code: e.responseStatus?.code ?? 0,
  };
}
