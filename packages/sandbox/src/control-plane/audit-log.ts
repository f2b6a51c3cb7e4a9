import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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
  /** The inode read so far: a new one at the path means the server rotated the log. */
  #ino: number | undefined;
  #partial = '';
  #midLine = false;
  #entries: RequestLogEntry[] = [];

  /** `fromNow`: skip what the log already holds (a long run's log is large). */
  constructor(path: string, opts: { fromNow?: boolean } = {}) {
    this.path = path;
    if (opts.fromNow && existsSync(path)) {
      const stat = statSync(path);
      this.#offset = stat.size;
      this.#ino = stat.ino;
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
    const { ino, size } = statSync(this.path);
    if (this.#ino !== undefined && ino !== this.#ino) {
      // kube-apiserver rotates its log at --audit-log-maxsize (100 MB unless set): the file read
      // so far was renamed beside the new one. What it got after the last read is read first.
      const rotated = renamedLog(this.path, this.#ino);
      if (rotated) this.#readFrom(rotated.path, rotated.size);
      this.#offset = 0;
    }
    this.#ino = ino;
    this.#readFrom(this.path, size);
  }

  #readFrom(path: string, size: number): void {
    if (size <= this.#offset) return;
    const fd = openSync(path, 'r');
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

/** The rotated file (`audit-<time>.log` beside `audit.log`) that still has inode `ino`, with its size. */
function renamedLog(path: string, ino: number): { path: string; size: number } | undefined {
  const dir = dirname(path);
  const stem = basename(path).replace(/\.log$/, '');
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(`${stem}-`)) continue;
    const candidate = join(dir, name);
    const stat = statSync(candidate);
    if (stat.ino === ino) return { path: candidate, size: stat.size };
  }
  return undefined;
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
