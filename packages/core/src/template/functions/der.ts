// Small helpers over node-forge's ASN.1 parser and writer, in Buffers instead of forge's binary
// strings. Used by the PKCS#12 codec and the certificate-chain ordering; every structural
// surprise becomes a FuncError that names the structure, never its bytes.

import forge from 'node-forge';
import { FuncError } from '../errors.ts';

export type Asn1 = forge.asn1.Asn1;

const { Class, Type } = forge.asn1;

export function parseDer(bytes: Uint8Array, what: string): Asn1 {
  try {
    // Not strict: PKCS#12 files from Java and Windows use BER (indefinite lengths, split strings).
    return forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString('binary')), false);
  } catch {
    throw new FuncError(`${what} is not valid ASN.1`);
  }
}

export function toDer(node: Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');
}

function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new FuncError(`${what}: unexpected structure`);
  return node.value;
}

/** The elements of a SEQUENCE (or SET), checked to have at least `min`. */
export function elements(node: Asn1 | undefined, what: string, min = 0): Asn1[] {
  const items = children(node, what);
  if (items.length < min) throw new FuncError(`${what}: unexpected structure`);
  return items;
}

/** The single element inside an [n] EXPLICIT tag. */
export function explicit(node: Asn1 | undefined, tag: number, what: string): Asn1 {
  if (!node || node.tagClass !== Class.CONTEXT_SPECIFIC || node.type !== tag) {
    throw new FuncError(`${what}: unexpected structure`);
  }
  return elements(node, what, 1)[0]!;
}

/** The bytes of an OCTET STRING (or an IMPLICIT one), joined when BER split it into pieces. */
export function octets(node: Asn1 | undefined, what: string): Buffer {
  if (!node) throw new FuncError(`${what}: unexpected structure`);
  if (Array.isArray(node.value)) return Buffer.concat(node.value.map((n) => octets(n, what)));
  return Buffer.from(node.value, 'binary');
}

export function oidOf(node: Asn1 | undefined, what: string): string {
  if (!node || node.type !== Type.OID || typeof node.value !== 'string') {
    throw new FuncError(`${what}: unexpected structure`);
  }
  return forge.asn1.derToOid(node.value);
}

export function integerOf(node: Asn1 | undefined, what: string): number {
  if (!node || node.type !== Type.INTEGER || typeof node.value !== 'string') {
    throw new FuncError(`${what}: unexpected structure`);
  }
  const n = Number.parseInt(Buffer.from(node.value, 'binary').toString('hex') || '0', 16);
  if (!Number.isSafeInteger(n)) throw new FuncError(`${what}: integer out of range`);
  return n;
}

// --- writers ---------------------------------------------------------------------------------

export const seq = (...items: Asn1[]): Asn1 => forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
export const set = (...items: Asn1[]): Asn1 => forge.asn1.create(Class.UNIVERSAL, Type.SET, true, items);
export const oid = (id: string): Asn1 =>
  forge.asn1.create(Class.UNIVERSAL, Type.OID, false, forge.asn1.oidToDer(id).getBytes());
export const int = (n: number): Asn1 =>
  forge.asn1.create(Class.UNIVERSAL, Type.INTEGER, false, forge.asn1.integerToDer(n).getBytes());
export const octetString = (bytes: Uint8Array): Asn1 =>
  forge.asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, Buffer.from(bytes).toString('binary'));
/** [n] EXPLICIT around one element. */
export const tagged = (tag: number, item: Asn1): Asn1 => forge.asn1.create(Class.CONTEXT_SPECIFIC, tag, true, [item]);
/** [n] IMPLICIT OCTET STRING. */
export const implicitOctets = (tag: number, bytes: Uint8Array): Asn1 =>
  forge.asn1.create(Class.CONTEXT_SPECIFIC, tag, false, Buffer.from(bytes).toString('binary'));
