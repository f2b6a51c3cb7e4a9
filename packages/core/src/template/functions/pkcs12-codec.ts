// PKCS#12 (PFX) files read and written as go-pkcs12 v0.5 does for ESO: DecodeChain (one key,
// the first certificate is the leaf, the others its chain, in file order; the MAC checked
// first, and an empty password also tried as "no password" as OpenSSL writes it) and the
// Modern encoder (certificates encrypted with PBES2/AES-256-CBC, the key shrouded the same
// way, an HMAC-SHA-256 MAC, 2048 iterations, a localKeyId linking leaf and key). The
// structure is walked with node-forge's ASN.1; forge's own PKCS#12 reader is not used because
// it re-encodes RSA keys and certificates, where ESO hands out the original bytes.

import { createHash } from 'node:crypto';
import { FuncError } from '../errors.ts';
import {
  type Asn1,
  elements,
  explicit,
  implicitOctets,
  int,
  integerOf,
  octetString,
  octets,
  oid,
  oidOf,
  parseDer,
  seq,
  set,
  tagged,
  toDer,
} from './der.ts';
import { bmpPassword, incorrectPassword, macData, macMatches, pbeDecrypt, pbes2Encrypt } from './pkcs12-crypto.ts';

const oids = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
};

export interface Pkcs12Contents {
  /** PKCS#8 DER of the private key. */
  key: Buffer;
  /** DER certificates: the leaf first, then the others in file order. */
  certs: Buffer[];
}

const what = 'PKCS#12 data';

/** The content of a ContentInfo of type data: its OCTET STRING. */
function dataContent(contentInfo: Asn1): Buffer {
  return octets(explicit(elements(contentInfo, what, 2)[1], 0, what), what);
}

function safeContentsOf(contentInfo: Asn1, password: Buffer): Buffer {
  const type = oidOf(elements(contentInfo, what, 2)[0], what);
  if (type === oids.data) return dataContent(contentInfo);
  if (type !== oids.encryptedData)
    throw new FuncError('pkcs12: only data and encryptedData content types are supported');
  const [version, encryptedContentInfo] = elements(explicit(elements(contentInfo, what, 2)[1], 0, what), what, 2);
  if (integerOf(version, what) !== 0) throw new FuncError('pkcs12: only version 0 of EncryptedData is supported');
  const [, algorithm, encrypted] = elements(encryptedContentInfo, what, 3);
  return pbeDecrypt(algorithm!, password, octets(encrypted, what));
}

/** go-pkcs12's DecodeChain. */
export function decodePkcs12(der: Uint8Array, password: string): Pkcs12Contents {
  const [version, authSafe, mac] = elements(parseDer(der, what), what, 2);
  if (integerOf(version, what) !== 3) throw new FuncError("pkcs12: can only decode v3 PFX PDU's");
  if (oidOf(elements(authSafe, what, 2)[0], what) !== oids.data) {
    throw new FuncError('pkcs12: only password-protected PFX is implemented');
  }
  const content = dataContent(authSafe!);
  let pass = bmpPassword(password);
  if (!mac) {
    if (password !== '') throw new FuncError('pkcs12: no MAC in data');
  } else if (!macMatches(mac, content, pass)) {
    // An empty password may have been written as "no password" (no terminating zeros).
    if (password !== '' || !macMatches(mac, content, Buffer.alloc(0))) throw new FuncError(incorrectPassword);
    pass = Buffer.alloc(0);
  }

  let key: Buffer | undefined;
  const certs: Buffer[] = [];
  const contentInfos = elements(parseDer(content, what), what);
  if (contentInfos.length < 1 || contentInfos.length > 2) {
    throw new FuncError('pkcs12: expected between 1 and 2 items in the authenticated safe');
  }
  for (const contentInfo of contentInfos) {
    for (const bag of elements(parseDer(safeContentsOf(contentInfo, pass), what), what)) {
      const [bagId, bagValue] = elements(bag, what, 2);
      const value = explicit(bagValue, 0, what);
      switch (oidOf(bagId, what)) {
        case oids.certBag: {
          const [certId, certValue] = elements(value, what, 2);
          if (oidOf(certId, what) !== oids.x509Certificate)
            throw new FuncError('pkcs12: only X.509 certificates are supported');
          certs.push(octets(explicit(certValue, 0, what), what));
          break;
        }
        case oids.keyBag:
        case oids.shroudedKeyBag: {
          if (key) throw new FuncError('pkcs12: expected exactly one key bag');
          if (oidOf(bagId, what) === oids.keyBag) key = toDer(value);
          else {
            const [algorithm, encrypted] = elements(value, what, 2);
            key = pbeDecrypt(algorithm!, pass, octets(encrypted, what));
          }
          break;
        }
        // Other bags (CRLs, secrets) are skipped, as go-pkcs12 does.
      }
    }
  }
  if (certs.length === 0) throw new FuncError('pkcs12: certificate missing');
  if (!key) throw new FuncError('pkcs12: private key missing');
  return { key, certs };
}

const iterations = 2048;

function certBag(der: Buffer, attributes: Asn1[]): Asn1 {
  const bag = [oid(oids.certBag), tagged(0, seq(oid(oids.x509Certificate), tagged(0, octetString(der))))];
  return seq(...bag, ...(attributes.length > 0 ? [set(...attributes)] : []));
}

/** go-pkcs12's Modern.Encode: leaf and chain in one encrypted safe, the shrouded key in another. */
export function encodePkcs12(contents: Pkcs12Contents, password: string, random: (size: number) => Uint8Array): Buffer {
  const pass = bmpPassword(password);
  const [leaf, ...chain] = contents.certs;
  if (!leaf) throw new FuncError('pkcs12: certificate missing');
  const localKeyId = seq(oid(oids.localKeyId), set(octetString(createHash('sha1').update(leaf).digest())));

  const certs = toDer(seq(certBag(leaf, [localKeyId]), ...chain.map((c) => certBag(c, []))));
  const certsSealed = pbes2Encrypt(pass, certs, iterations, random);
  const certsInfo = seq(
    oid(oids.encryptedData),
    tagged(0, seq(int(0), seq(oid(oids.data), certsSealed.algorithm, implicitOctets(0, certsSealed.encrypted)))),
  );

  const keySealed = pbes2Encrypt(pass, contents.key, iterations, random);
  const keyBag = seq(
    oid(oids.shroudedKeyBag),
    tagged(0, seq(keySealed.algorithm, octetString(keySealed.encrypted))),
    set(localKeyId),
  );
  const keyInfo = seq(oid(oids.data), tagged(0, octetString(toDer(seq(keyBag)))));

  const authenticatedSafe = toDer(seq(certsInfo, keyInfo));
  const mac = macData(authenticatedSafe, pass, Buffer.from(random(16)), iterations);
  return toDer(seq(int(3), seq(oid(oids.data), tagged(0, octetString(authenticatedSafe))), mac));
}
