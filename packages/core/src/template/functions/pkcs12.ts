// ESO's PKCS#12 helpers. pkcs12key/pkcs12cert (and their Pass forms) read a keystore (its raw
// bytes, e.g. `.keystore | b64dec`) into PEM: the key as PKCS#8, the leaf certificate followed
// by its chain, ordered leaf to root when the chain links up. pemToPkcs12/fullPemToPkcs12 (and
// Pass) write a keystore from PEM and answer it base64-encoded; its salts and IVs are random,
// as in ESO, so each render differs (docs/generic-pipeline.md, Templates).

import { createPrivateKey, type KeyObject } from 'node:crypto';
import { FuncError } from '../errors.ts';
import { orderChain, parseChainCert } from './cert-chain.ts';
import { toBytes } from './encoding.ts';
import { pemBlocks, pemEncode } from './pem.ts';
import { decodePkcs12, encodePkcs12, type Pkcs12Contents } from './pkcs12-codec.ts';
import { type CallContext, defineFunction as fn, type TemplateFunction } from './types.ts';

function decode(input: unknown, password: string, prefix: string): Pkcs12Contents {
  try {
    return decodePkcs12(toBytes(input), password);
  } catch (e) {
    if (e instanceof FuncError) throw new FuncError(`${prefix}: ${e.message}`);
    throw e;
  }
}

const pkcs8Pem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;

function pkcs12keyPass(password: string, input: unknown): string {
  const { key } = decode(input, password, 'unable to decode pkcs12 with password');
  try {
    return pkcs8Pem(createPrivateKey({ key, format: 'der', type: 'pkcs8' }));
  } catch {
    throw new FuncError('unable to decode pkcs12 with password: x509: unsupported private key');
  }
}

function pkcs12certPass(password: string, input: unknown): string {
  const { certs } = decode(input, password, 'unable to decode pkcs12 certificate with password');
  const inFileOrder = certs.map((der) => pemEncode('CERTIFICATE', der)).join('');
  try {
    return orderChain(certs.map(parseChainCert))
      .map((c) => pemEncode('CERTIFICATE', c.der))
      .join('');
  } catch (e) {
    // ESO answers the certificates unordered when they do not form one chain.
    if (e instanceof FuncError) return inFileOrder;
    throw e;
  }
}

/** The private key of a PEM text (its first block): PKCS#1, PKCS#8 or SEC 1, as ESO accepts. */
function privateKeyOf(pem: string): Buffer {
  const block = pemBlocks(pem)[0];
  if (!block) throw new FuncError('the private key is not PEM');
  for (const type of ['pkcs1', 'pkcs8', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: block.body, format: 'der', type }).export({ type: 'pkcs8', format: 'der' });
    } catch {
      // try the next encoding
    }
  }
  throw new FuncError('unable to parse private key type');
}

/** The certificates of a PEM text: only the first (pemToPkcs12) or all of them (fullPemToPkcs12). */
function certificatesOf(pem: string, all: boolean): Buffer[] {
  const blocks = pemBlocks(pem);
  if (blocks.length === 0) throw new FuncError('the certificate is not PEM');
  return (all ? blocks : blocks.slice(0, 1)).map((b) => parseChainCert(b.body).der);
}

function toPkcs12(cert: string, key: string, password: string, all: boolean, ctx: CallContext): string {
  const certs = certificatesOf(cert, all);
  const contents = { key: privateKeyOf(key), certs };
  return encodePkcs12(contents, password, (n) => ctx.randomBytes(n)).toString('base64');
}

const s = (v: unknown): string => v as string;

export const pkcs12Functions: ReadonlyMap<string, TemplateFunction> = new Map([
  ['pkcs12key', fn(['any'], ([input]) => pkcs12keyPass('', input))],
  ['pkcs12keyPass', fn(['string', 'any'], ([pass, input]) => pkcs12keyPass(s(pass), input))],
  ['pkcs12cert', fn(['any'], ([input]) => pkcs12certPass('', input))],
  ['pkcs12certPass', fn(['string', 'any'], ([pass, input]) => pkcs12certPass(s(pass), input))],
  ['pemToPkcs12', fn(['string', 'string'], ([c, k], ctx) => toPkcs12(s(c), s(k), '', false, ctx))],
  ['pemToPkcs12Pass', fn(['string', 'string', 'string'], ([c, k, p], ctx) => toPkcs12(s(c), s(k), s(p), false, ctx))],
  ['fullPemToPkcs12', fn(['string', 'string'], ([c, k], ctx) => toPkcs12(s(c), s(k), '', true, ctx))],
  [
    'fullPemToPkcs12Pass',
    fn(['string', 'string', 'string'], ([c, k, p], ctx) => toPkcs12(s(c), s(k), s(p), true, ctx)),
  ],
]);
