// Orders certificates into a chain (leaf, intermediates, root) by matching each certificate's
// authority key identifier to another's subject key identifier, as ESO's pem_chain.go does for
// pkcs12cert and filterCertChain. Like Go's bytes.Equal, a missing identifier equals an empty
// one, so certificates without identifiers chain to each other in file order.

import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { FuncError } from '../errors.ts';
import { type Asn1, elements, octets, oidOf, parseDer } from './der.ts';
import { pemBlocks, pemEncode } from './pem.ts';
import { defineFunction as fn, type TemplateFunction } from './types.ts';

const subjectKeyIdentifier = '2.5.29.14';
const authorityKeyIdentifier = '2.5.29.35';

export interface ChainCert {
  der: Buffer;
  subjectKeyId: Buffer | undefined;
  authorityKeyId: Buffer | undefined;
}

const what = 'certificate';

function extensionsOf(tbs: Asn1): Asn1[] {
  const tagged = elements(tbs, what).find(
    (n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 3 && Array.isArray(n.value),
  );
  return tagged ? elements(elements(tagged, what, 1)[0], what) : [];
}

/** Parses a DER certificate (refusing what is not one) and reads its key identifiers. */
export function parseChainCert(der: Buffer): ChainCert {
  try {
    new X509Certificate(der);
  } catch {
    throw new FuncError('x509: malformed certificate');
  }
  const cert: ChainCert = { der, subjectKeyId: undefined, authorityKeyId: undefined };
  for (const ext of extensionsOf(elements(parseDer(der, what), what, 1)[0]!)) {
    const items = elements(ext, what, 2);
    const id = oidOf(items[0], what);
    const value = () => parseDer(octets(items.at(-1), what), what);
    if (id === subjectKeyIdentifier) cert.subjectKeyId = octets(value(), what);
    if (id === authorityKeyIdentifier) {
      // keyIdentifier is [0] IMPLICIT OCTET STRING; an AKI without one leaves it missing.
      const keyId = elements(value(), what).find(
        (n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 0,
      );
      cert.authorityKeyId = keyId ? octets(keyId, what) : undefined;
    }
  }
  return cert;
}

const sameId = (a: Buffer | undefined, b: Buffer | undefined): boolean =>
  Buffer.compare(a ?? Buffer.alloc(0), b ?? Buffer.alloc(0)) === 0;

const isRoot = (c: ChainCert): boolean => c.authorityKeyId === undefined || sameId(c.authorityKeyId, c.subjectKeyId);

/** Leaf first, root last; fails when there is not exactly one leaf or the links loop. */
export function orderChain(certs: ChainCert[]): ChainCert[] {
  const parent = new Map<number, number>();
  const isParent = new Set<number>();
  certs.forEach((cert, i) => {
    const j = certs.findIndex((other, k) => k !== i && sameId(cert.authorityKeyId, other.subjectKeyId));
    if (j >= 0) {
      parent.set(i, j);
      isParent.add(j);
    }
  });
  const leaves = certs.map((_, i) => i).filter((i) => !isParent.has(i));
  if (leaves.length > 1) throw new FuncError('found multiple leaf or disjunct certificates');
  if (leaves.length === 0) throw new FuncError('no leaf certificate found');
  const ordered: ChainCert[] = [];
  for (let at: number | undefined = leaves[0]; at !== undefined; at = parent.get(at)) {
    if (ordered.length >= certs.length) throw new FuncError('constructing chain resulted in cycle');
    ordered.push(certs[at]!);
  }
  return ordered;
}

const certificatePem = (c: ChainCert): string => pemEncode('CERTIFICATE', c.der);

/** ESO's filterCertChain: the leaf, the intermediates or the root of a PEM bundle ("" when absent). */
function filterCertChain(certType: string, input: string): string {
  const ordered = orderChain(pemBlocks(input).map((b) => parseChainCert(b.body)));
  switch (certType) {
    case 'leaf': {
      const leaf = ordered[0]!;
      return leaf.authorityKeyId !== undefined && !sameId(leaf.authorityKeyId, leaf.subjectKeyId)
        ? certificatePem(leaf)
        : '';
    }
    case 'intermediate': {
      let out = '';
      for (const cert of ordered.slice(1)) {
        if (isRoot(cert)) break;
        out += certificatePem(cert);
      }
      return out;
    }
    case 'root': {
      const root = ordered.at(-1)!;
      return isRoot(root) ? certificatePem(root) : '';
    }
  }
  return '';
}

export const certChainFunctions: ReadonlyMap<string, TemplateFunction> = new Map([
  ['filterCertChain', fn(['string', 'string'], ([t, s]) => filterCertChain(t as string, s as string))],
]);
