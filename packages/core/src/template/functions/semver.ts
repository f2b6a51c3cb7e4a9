// Sprig's semver and semverCompare, with the rules of Masterminds/semver v3 (the version ESO
// v0.16.2 builds with): lenient versions ("v1.2" is 1.2.0), constraints joined by "," or spaces
// (and) and "||" (or), x-ranges ("1.2.x", "*"), hyphen ranges, ~ and ^, and prereleases that
// match only constraints which themselves name a prerelease. npm's semver differs on several
// of these, so this is a port of the Go behaviour, checked against fixtures rendered by ESO.
// Error messages never quote the input.

import { FuncError } from '../errors.ts';
import { GoObject } from '../values.ts';
import { defineFunction as fn, type ParamKind, type TemplateFunction } from './types.ts';

const versionPattern =
  /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const maxUint64 = 2n ** 64n - 1n;

function segment(text: string | undefined): bigint {
  if (!text) return 0n;
  const n = BigInt(text);
  if (n > maxUint64) throw new FuncError('Error parsing version segment: value out of range');
  return n;
}

/** Masterminds' comparison of two dot-separated prerelease strings. */
function comparePrerelease(a: string, b: string): number {
  const as = a.split('.');
  const bs = b.split('.');
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    const d = comparePrereleasePart(as[i] ?? '', bs[i] ?? '');
    if (d !== 0) return d;
  }
  return 0;
}

function comparePrereleasePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === '') return -1; // fewer parts sort first
  if (o === '') return 1;
  const sNum = /^\d+$/.test(s) && BigInt(s) <= maxUint64;
  const oNum = /^\d+$/.test(o) && BigInt(o) <= maxUint64;
  if (!sNum && !oNum) return s > o ? 1 : -1; // bytewise
  if (!oNum) return -1; // numeric identifiers sort before alphanumeric ones
  if (!sNum) return 1;
  return BigInt(s) > BigInt(o) ? 1 : -1;
}

const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

export class SemverVersion extends GoObject {
  readonly goType = '*semver.Version';
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: string;
  readonly metadata: string;
  readonly original: string;

  constructor(major: bigint, minor: bigint, patch: bigint, pre: string, metadata: string, original: string) {
    super();
    this.major = major;
    this.minor = minor;
    this.patch = patch;
    this.pre = pre;
    this.metadata = metadata;
    this.original = original;
  }

  static parse(text: string): SemverVersion {
    const m = versionPattern.exec(text);
    if (!m) throw new FuncError('Invalid Semantic Version');
    return new SemverVersion(segment(m[1]), segment(m[2]), segment(m[3]), m[4] ?? '', m[5] ?? '', text);
  }

  override toString(): string {
    const pre = this.pre ? `-${this.pre}` : '';
    const meta = this.metadata ? `+${this.metadata}` : '';
    return `${this.major}.${this.minor}.${this.patch}${pre}${meta}`;
  }

  /** Metadata never counts; a release sorts after its prereleases. */
  compare(o: SemverVersion): number {
    const d = cmp(this.major, o.major) || cmp(this.minor, o.minor) || cmp(this.patch, o.patch);
    if (d !== 0) return d;
    if (this.pre === '' && o.pre === '') return 0;
    if (this.pre === '') return 1;
    if (o.pre === '') return -1;
    return comparePrerelease(this.pre, o.pre);
  }

  /** A bumped version keeps the original's "v" prefix in Original(), as Masterminds does. */
  private bumped(major: bigint, minor: bigint, patch: bigint): SemverVersion {
    const v = this.original.startsWith('v') ? 'v' : '';
    return new SemverVersion(major, minor, patch, '', '', `${v}${major}.${minor}.${patch}`);
  }

  method(name: string): TemplateFunction | undefined {
    const m = Object.hasOwn(versionMethods, name) ? versionMethods[name] : undefined;
    return m && fn(m.params, (args) => m.call(this, args));
  }

  incMajor(): SemverVersion {
    return this.bumped(this.major + 1n, 0n, 0n);
  }

  incMinor(): SemverVersion {
    return this.bumped(this.major, this.minor + 1n, 0n);
  }

  incPatch(): SemverVersion {
    // A prerelease bumps to its release; a release to the next patch.
    return this.bumped(this.major, this.minor, this.pre ? this.patch : this.patch + 1n);
  }
}

function other(v: unknown): SemverVersion {
  if (v instanceof SemverVersion) return v;
  throw new FuncError('wrong type for value; expected *semver.Version');
}

interface VersionMethod {
  params: readonly ParamKind[];
  call(self: SemverVersion, args: unknown[]): unknown;
}
const getter = (call: (self: SemverVersion) => unknown): VersionMethod => ({ params: [], call });
const comparison = (test: (d: number) => boolean): VersionMethod => ({
  params: ['any'],
  call: (self, [o]) => test(self.compare(other(o))),
});

/** The methods of Masterminds' *semver.Version that a template can call. */
const versionMethods: Record<string, VersionMethod> = Object.assign(Object.create(null), {
  Major: getter((v) => v.major),
  Minor: getter((v) => v.minor),
  Patch: getter((v) => v.patch),
  Prerelease: getter((v) => v.pre),
  Metadata: getter((v) => v.metadata),
  Original: getter((v) => v.original),
  String: getter((v) => v.toString()),
  IncMajor: getter((v) => v.incMajor()),
  IncMinor: getter((v) => v.incMinor()),
  IncPatch: getter((v) => v.incPatch()),
  Compare: { params: ['any'], call: (self: SemverVersion, [o]: unknown[]) => BigInt(self.compare(other(o))) },
  LessThan: comparison((d) => d < 0),
  LessThanEqual: comparison((d) => d <= 0),
  GreaterThan: comparison((d) => d > 0),
  GreaterThanEqual: comparison((d) => d >= 0),
  Equal: comparison((d) => d === 0),
});

// --- constraints ---------------------------------------------------------------------------

const ws = '[\\t\\n\\f\\r ]'; // RE2's \s
const ops = '=||!=|>|<|>=|=>|<=|=<|~|~>|\\^';
const cv =
  'v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?';
const constraintPattern = new RegExp(`^${ws}*(${ops})${ws}*(${cv})${ws}*$`);
const rangePattern = new RegExp(`${ws}*(${cv})${ws}+-${ws}+(${cv})${ws}*`, 'g');
const findPattern = new RegExp(`(${ops})${ws}*(${cv})`, 'g');
const validPattern = new RegExp(
  `^(${ws}*(${ops})${ws}*(${cv})${ws}*)((?:${ws}+|,${ws}*)(${ops})${ws}*(${cv})${ws}*)*$`,
);

interface Constraint {
  op: string;
  version: SemverVersion;
  /** Some part was missing or a wildcard: "1" and "1.x" leave minor and patch open. */
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

const isX = (s: string | undefined): boolean => s === 'x' || s === 'X' || s === '*';

function parseConstraint(text: string): Constraint {
  const m = constraintPattern.exec(text)!;
  const [, op = '', whole = '', major = '', minor = '', patch = '', pre = ''] = m;
  let version = whole;
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  if (isX(major) || major === '') {
    version = `0.0.0${pre}`;
    dirty = true;
  } else if (isX(minor.slice(1)) || minor === '') {
    version = `${major}.0.0${pre}`;
    dirty = minorDirty = true;
  } else if (isX(patch.slice(1)) || patch === '') {
    version = `${major}${minor}.0${pre}`;
    dirty = patchDirty = true;
  }
  let parsed: SemverVersion;
  try {
    parsed = SemverVersion.parse(version);
  } catch {
    throw new FuncError('constraint Parser Error');
  }
  return { op, version: parsed, dirty, minorDirty, patchDirty };
}

/** "1.2 - 1.4" means ">= 1.2, <= 1.4". */
function rewriteRanges(text: string): string {
  let out = text;
  for (const m of text.matchAll(rangePattern)) out = out.replace(m[0], `>= ${m[1]}, <= ${m[11]} `);
  return out;
}

function parseConstraints(text: string): Constraint[][] {
  return rewriteRanges(text)
    .split('||')
    .map((part) => {
      if (!validPattern.test(part)) throw new FuncError('improper constraint');
      return [...part.matchAll(findPattern)].map((m) => parseConstraint(m[0]));
    });
}

function tilde(v: SemverVersion, c: Constraint): boolean {
  const con = c.version;
  if (v.compare(con) < 0) return false;
  if (con.major === 0n && con.minor === 0n && con.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== con.major) return false;
  return v.minor === con.minor || c.minorDirty;
}

function caret(v: SemverVersion, c: Constraint): boolean {
  const con = c.version;
  if (v.compare(con) < 0) return false;
  if (con.major > 0n || c.minorDirty) return v.major === con.major;
  if (v.major > 0n) return false;
  if (con.minor > 0n || c.patchDirty) return v.minor === con.minor;
  if (v.minor > 0n) return false;
  return v.patch === con.patch;
}

function notEqual(v: SemverVersion, c: Constraint): boolean {
  const con = c.version;
  if (c.dirty) {
    if (v.major !== con.major) return true;
    if (c.minorDirty) return false;
    if (v.minor !== con.minor) return true;
    if (!c.patchDirty && v.patch !== con.patch) return true;
    if (c.patchDirty) return (v.pre !== '' || con.pre !== '') && comparePrerelease(v.pre, con.pre) !== 0;
  }
  return v.compare(con) !== 0;
}

function greaterThan(v: SemverVersion, c: Constraint): boolean {
  const con = c.version;
  if (!c.dirty) return v.compare(con) > 0;
  if (v.major !== con.major) return v.major > con.major;
  if (c.minorDirty) return false;
  if (c.patchDirty) return v.minor > con.minor;
  return v.compare(con) > 0;
}

function lessThanOrEqual(v: SemverVersion, c: Constraint): boolean {
  const con = c.version;
  if (!c.dirty) return v.compare(con) <= 0;
  if (v.major > con.major) return false;
  return !(v.major === con.major && v.minor > con.minor && !c.minorDirty);
}

function check(v: SemverVersion, c: Constraint): boolean {
  // A prerelease only satisfies a constraint that names a prerelease itself (for != as well,
  // but only when the constraint has open parts).
  const preExcluded = v.pre !== '' && c.version.pre === '';
  switch (c.op) {
    case '!=':
      return c.dirty && preExcluded ? false : notEqual(v, c);
    case '':
    case '=':
      if (preExcluded) return false;
      return c.dirty ? tilde(v, c) : v.compare(c.version) === 0;
    case '>':
      return !preExcluded && greaterThan(v, c);
    case '<':
      return !preExcluded && v.compare(c.version) < 0;
    case '>=':
    case '=>':
      return !preExcluded && v.compare(c.version) >= 0;
    case '<=':
    case '=<':
      return !preExcluded && lessThanOrEqual(v, c);
    case '~':
    case '~>':
      return !preExcluded && tilde(v, c);
    case '^':
      return !preExcluded && caret(v, c);
  }
  return false;
}

export function semverCompare(constraint: string, version: string): boolean {
  const groups = parseConstraints(constraint);
  const v = SemverVersion.parse(version);
  return groups.some((group) => group.every((c) => check(v, c)));
}

export const semverFunctions: ReadonlyMap<string, TemplateFunction> = new Map([
  ['semver', fn(['string'], ([s]) => SemverVersion.parse(s as string))],
  ['semverCompare', fn(['string', 'string'], ([c, v]) => semverCompare(c as string, v as string))],
]);
