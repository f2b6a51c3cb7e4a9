// ESO's certificate helpers: filterPEM keeps the PEM blocks of one type (re-encoded as Go's
// pem.Encode writes them), and jwkPublicKeyPem/jwkPrivateKeyPem turn a JWK into PEM.
// The PKCS#12 helpers are in pkcs12.ts, filterCertChain in cert-chain.ts.

import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import { FuncError } from '../errors.ts';
import { defineFunction as fn, type TemplateFunction } from './types.ts';

const blockPattern =
  /-----BEGIN ([^\r\n-]*(?:-[^\r\n-]+)*)-----[ \t]*\r?\n([\s\S]*?)-----END \1-----[ \t]*(?:\r?\n|$)/g;

export interface PemBlock {
  type: string;
  headers: string[];
  body: Buffer;
}

function decodeBody(text: string): { headers: string[]; body: Buffer } | undefined {
  const lines = text.split(/\r?\n/);
  const headers: string[] = [];
  let i = 0;
  if (lines[0]?.includes(':')) {
    while (i < lines.length && lines[i]!.includes(':')) headers.push(lines[i++]!.trim());
    if (lines[i]?.trim() !== '') return undefined;
    i++;
  }
  const b64 = lines.slice(i).join('').replace(/[ \t]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  return { headers, body: Buffer.from(b64, 'base64') };
}

function encodeBlock(block: PemBlock): string {
  const b64 = block.body.toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  const headers = block.headers.length > 0 ? `${block.headers.join('\n')}\n\n` : '';
  return `-----BEGIN ${block.type}-----\n${headers}${lines.map((l) => `${l}\n`).join('')}-----END ${block.type}-----\n`;
}

/** The PEM blocks of a text, in order (Go's pem.Decode in a loop: text between blocks is skipped). */
export function pemBlocks(input: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of input.matchAll(blockPattern)) {
    const decoded = decodeBody(m[2]!);
    if (decoded) blocks.push({ type: m[1]!, ...decoded });
  }
  return blocks;
}

export function pemEncode(type: string, body: Uint8Array): string {
  return encodeBlock({ type, headers: [], body: Buffer.from(body) });
}

export function filterPem(pemType: string, input: string): string {
  let out = '';
  let rest = input;
  for (const m of input.matchAll(blockPattern)) {
    const decoded = decodeBody(m[2]!);
    if (!decoded) continue;
    rest = input.slice(m.index + m[0].length);
    if (m[1]!.toLowerCase() !== pemType.toLowerCase()) continue;
    out += encodeBlock({ type: m[1]!, ...decoded });
  }
  if (out === '' && rest.length > 0) throw new FuncError('error filtering pem: found junk');
  return out;
}

function parseJwk(text: string): JsonWebKey {
  try {
    const jwk: unknown = JSON.parse(text);
    if (typeof jwk === 'object' && jwk !== null && !Array.isArray(jwk)) return jwk as JsonWebKey;
  } catch {
    // reported below without the input
  }
  throw new FuncError('value is not a JSON Web Key');
}

function jwkPublicKeyPem(text: string): string {
  try {
    return createPublicKey({ key: parseJwk(text), format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
  } catch (e) {
    if (e instanceof FuncError) throw e;
    throw new FuncError('value is not a usable JSON Web Key');
  }
}

function jwkPrivateKeyPem(text: string): string {
  try {
    return createPrivateKey({ key: parseJwk(text), format: 'jwk' }).export({ type: 'pkcs8', format: 'pem' }) as string;
  } catch (e) {
    if (e instanceof FuncError) throw e;
    throw new FuncError('value is not a usable private JSON Web Key');
  }
}

export const pemFunctions: ReadonlyMap<string, TemplateFunction> = new Map([
  ['filterPEM', fn(['string', 'string'], ([t, s]) => filterPem(t as string, s as string))],
  ['jwkPublicKeyPem', fn(['string'], ([s]) => jwkPublicKeyPem(s as string))],
  ['jwkPrivateKeyPem', fn(['string'], ([s]) => jwkPrivateKeyPem(s as string))],
]);
