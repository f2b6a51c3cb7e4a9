import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { decodeKubeProtobuf } from './protobuf-body.ts';
import { ApiError, badRequest, notAcceptable, statusBody, unsupportedMediaType } from './status-errors.ts';

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'RequestEntityTooLarge', 'request entity too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** The media type without parameters, lower-cased (`application/json`). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Decodes a JSON or YAML request body; protobuf and anything else is 415 as in kube-apiserver. */
export function decodeBody(raw: Buffer, contentType: string | undefined, accepted: string[]): unknown {
  if (raw.length === 0) return undefined;
  const type = mediaType(contentType) || 'application/json';
  if (!accepted.includes(type)) throw unsupportedMediaType(accepted);
  if (type === PROTOBUF) {
    try {
      return decodeKubeProtobuf(raw);
    } catch (err) {
      throw new ApiError(415, 'UnsupportedMediaType', (err as Error).message);
    }
  }
  const text = raw.toString('utf8');
  try {
    return type.endsWith('json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw badRequest(`the server could not decode the request body: ${(err as Error).message}`);
  }
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

export const OBJECT_MEDIA_TYPES = ['application/json', 'application/yaml', PROTOBUF];

export type Negotiated = { table: boolean; yaml: boolean };

/**
 * Reads the Accept header: JSON (or YAML) only; a Table when asked with `as=Table`. Protobuf-only clients get 406
 * and client-go's clients always list a JSON fallback.
 */
export function negotiate(accept: string | undefined): Negotiated {
  if (!accept) return { table: false, yaml: false };
  const ranges = accept.split(',').map((r) => r.trim().toLowerCase());
  let table = false;
  let plain = false;
  let yaml = false;
  for (const range of ranges) {
    const [type, ...params] = range.split(';').map((p) => p.trim());
    if (type === 'application/json' || type === '*/*' || type === 'application/*') {
      if (params.includes('as=table')) table = true;
      else if (!params.some((p) => p.startsWith('as='))) plain = true;
    } else if (type === 'application/yaml') {
      yaml = true;
    }
  }
  if (!table && !plain && !yaml) throw notAcceptable();
  return { table, yaml: yaml && !plain && !table };
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

/** Sends an API object as JSON, or as YAML to clients that asked only for YAML. */
export function sendObject(res: ServerResponse, code: number, body: unknown, yaml: boolean): void {
  if (!yaml) {
    sendJson(res, code, body);
    return;
  }
  const text = stringifyYaml(body);
  res.writeHead(code, { 'Content-Type': 'application/yaml', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.code, statusBody(err));
}
