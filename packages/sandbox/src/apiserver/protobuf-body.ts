/**
 * Decoding of kube's protobuf request bodies for the few kinds kubectl's typed clients send that way
 * (`kubectl create namespace|secret|configmap|serviceaccount|token`, `kubectl auth can-i`). Responses stay JSON:
 * those clients accept it. Field numbers come from k8s.io/api's generated.proto files.
 */

type FieldType = 'string' | 'bytes' | 'int' | 'bool' | 'stringMap' | 'bytesMap' | Schema;
type Field = { name: string; type: FieldType; repeated?: boolean };
type Schema = { [field: number]: Field };

const ownerReference: Schema = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool' },
  7: { name: 'blockOwnerDeletion', type: 'bool' },
};

const objectMeta: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  11: { name: 'labels', type: 'stringMap' },
  12: { name: 'annotations', type: 'stringMap' },
  13: { name: 'ownerReferences', type: ownerReference, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

const localObjectReference: Schema = { 1: { name: 'name', type: 'string' } };

const KINDS: Record<string, Schema> = {
  'v1/Namespace': {
    1: { name: 'metadata', type: objectMeta },
    2: { name: 'spec', type: { 1: { name: 'finalizers', type: 'string', repeated: true } } },
  },
  'v1/ConfigMap': {
    1: { name: 'metadata', type: objectMeta },
    2: { name: 'data', type: 'stringMap' },
    3: { name: 'binaryData', type: 'bytesMap' },
    4: { name: 'immutable', type: 'bool' },
  },
  'v1/Secret': {
    1: { name: 'metadata', type: objectMeta },
    2: { name: 'data', type: 'bytesMap' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'stringMap' },
    5: { name: 'immutable', type: 'bool' },
  },
  'v1/ServiceAccount': {
    1: { name: 'metadata', type: objectMeta },
    3: { name: 'imagePullSecrets', type: localObjectReference, repeated: true },
    4: { name: 'automountServiceAccountToken', type: 'bool' },
  },
  'authentication.k8s.io/v1/TokenRequest': {
    1: { name: 'metadata', type: objectMeta },
    2: {
      name: 'spec',
      type: {
        1: { name: 'audiences', type: 'string', repeated: true },
        4: { name: 'expirationSeconds', type: 'int' },
        3: {
          name: 'boundObjectRef',
          type: {
            1: { name: 'kind', type: 'string' },
            2: { name: 'apiVersion', type: 'string' },
            3: { name: 'name', type: 'string' },
            4: { name: 'uid', type: 'string' },
          },
        },
      },
    },
  },
  'authorization.k8s.io/v1/SelfSubjectAccessReview': {
    1: { name: 'metadata', type: objectMeta },
    2: {
      name: 'spec',
      type: {
        1: {
          name: 'resourceAttributes',
          type: {
            1: { name: 'namespace', type: 'string' },
            2: { name: 'verb', type: 'string' },
            3: { name: 'group', type: 'string' },
            4: { name: 'version', type: 'string' },
            5: { name: 'resource', type: 'string' },
            6: { name: 'subresource', type: 'string' },
            7: { name: 'name', type: 'string' },
          },
        },
        2: {
          name: 'nonResourceAttributes',
          type: { 1: { name: 'path', type: 'string' }, 2: { name: 'verb', type: 'string' } },
        },
      },
    },
  },
};

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  pos: number;
  readonly end: number;
  readonly buf: Buffer;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++] ?? 0;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.end) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

function decodeMapEntry(buf: Buffer, bytesValue: boolean): [string, string] {
  const r = new Reader(buf);
  let key = '';
  let value = '';
  while (r.pos < r.end) {
    const tag = Number(r.varint());
    if (tag >>> 3 === 1 && (tag & 7) === 2) key = r.bytes().toString('utf8');
    else if (tag >>> 3 === 2 && (tag & 7) === 2) {
      const v = r.bytes();
      value = bytesValue ? v.toString('base64') : v.toString('utf8');
    } else r.skip(tag & 7);
  }
  return [key, value];
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (r.pos < r.end) {
    const tag = Number(r.varint());
    const field = schema[tag >>> 3];
    const wire = tag & 7;
    if (!field) {
      r.skip(wire);
      continue;
    }
    let value: unknown;
    if (field.type === 'int' || field.type === 'bool') {
      if (wire !== 0) throw new Error(`field ${field.name}: unexpected wire type`);
      const n = r.varint();
      value = field.type === 'bool' ? n !== 0n : Number(BigInt.asIntN(64, n));
    } else {
      const bytes = r.bytes();
      if (field.type === 'string') value = bytes.toString('utf8');
      else if (field.type === 'bytes') value = bytes.toString('base64');
      else if (field.type === 'stringMap' || field.type === 'bytesMap') {
        const [k, v] = decodeMapEntry(bytes, field.type === 'bytesMap');
        const map = (out[field.name] ?? {}) as Record<string, string>;
        map[k] = v;
        out[field.name] = map;
        continue;
      } else value = decodeMessage(bytes, field.type);
    }
    if (field.repeated) out[field.name] = [...((out[field.name] as unknown[]) ?? []), value];
    else out[field.name] = value;
  }
  return out;
}

/** Decodes a `application/vnd.kubernetes.protobuf` body (magic, runtime.Unknown envelope, typed message). */
export function decodeKubeProtobuf(raw: Buffer): Record<string, unknown> {
  if (raw.length < 4 || !raw.subarray(0, 4).equals(MAGIC)) throw new Error('missing the k8s protobuf magic');
  const envelope = decodeMessage(raw.subarray(4), {
    1: { name: 'typeMeta', type: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } } },
    2: { name: 'raw', type: 'bytes' },
  });
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const schema = KINDS[`${typeMeta.apiVersion}/${typeMeta.kind}`];
  if (!schema)
    throw new Error(`protobuf bodies of ${typeMeta.apiVersion}/${typeMeta.kind} are not supported here: send JSON`);
  const body = Buffer.from(String(envelope.raw ?? ''), 'base64');
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...decodeMessage(body, schema) };
}
