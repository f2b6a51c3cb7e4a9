// The password-based cryptography of PKCS#12 (RFC 7292), as go-pkcs12 (which ESO uses) reads
// and writes it: the PKCS#12 key derivation for MACs and the legacy ciphers, PBES2 with
// PBKDF2 and AES-CBC, and the legacy pbeWithSHA1And3-KeyTripleDES-CBC and 40-bit RC2 that
// OpenSSL 1.x wrote by default. Hashing, PBKDF2 and AES/3DES run in Node's crypto; RC2 (gone
// from OpenSSL 3's default provider) comes from node-forge.

import { createCipheriv, createDecipheriv, createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import forge from 'node-forge';
import { FuncError } from '../errors.ts';
import { type Asn1, elements, int, integerOf, octetString, octets, oid, oidOf, seq } from './der.ts';

export const oids = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha512: '2.16.840.1.101.3.4.2.3',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha1: '1.2.840.113549.2.7',
  hmacWithSha256: '1.2.840.113549.2.9',
  hmacWithSha512: '1.2.840.113549.2.11',
  aes128Cbc: '2.16.840.1.101.3.4.1.2',
  aes192Cbc: '2.16.840.1.101.3.4.1.22',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  pbeSha1TripleDes: '1.2.840.113549.1.12.1.3',
  pbeSha1Rc2128: '1.2.840.113549.1.12.1.5',
  pbeSha1Rc240: '1.2.840.113549.1.12.1.6',
} as const;

/** go-pkcs12's errors, as ESO's messages carry them. */
export const incorrectPassword = 'pkcs12: decryption password incorrect';
const badPadding = 'pkcs12: decryption error, incorrect padding';

type Hash = 'sha1' | 'sha256' | 'sha512';

/** The password as PKCS#12 hashes it: UTF-16BE with two zero bytes at the end. */
export function bmpPassword(password: string): Buffer {
  const out = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

/** The UTF-8 password PBES2 uses, from the BMP form (empty for the "no password" form). */
function utf8Password(bmp: Buffer): Buffer {
  let s = '';
  for (let i = 0; i + 1 < bmp.length - 2; i += 2) s += String.fromCharCode(bmp.readUInt16BE(i));
  return Buffer.from(s, 'utf8');
}

/** Copies of `src` to a multiple of `v` bytes (the whole `len` when given). */
function repeatTo(src: Buffer, v: number, len = v * Math.ceil(src.length / v)): Buffer {
  const out = Buffer.alloc(src.length === 0 ? 0 : len);
  for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
  return out;
}

/** RFC 7292 appendix B.2: id 1 derives cipher keys, 2 IVs, 3 MAC keys. */
export function pkcs12Kdf(hash: Hash, password: Buffer, salt: Buffer, id: 1 | 2 | 3, iterations: number, size: number) {
  const v = hash === 'sha512' ? 128 : 64;
  const diversifier = Buffer.alloc(v, id);
  const input = Buffer.concat([repeatTo(salt, v), repeatTo(password, v)]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < size; ) {
    let a = createHash(hash).update(diversifier).update(input).digest();
    for (let i = 1; i < iterations; i++) a = createHash(hash).update(a).digest();
    out.push(a);
    produced += a.length;
    if (produced >= size) break;
    // Each v-byte block of the input becomes (block + B + 1) mod 2^(8v), B being copies of A.
    const b = repeatTo(a, v, v);
    for (let j = 0; j < input.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = input[j + k]! + b[k]! + carry;
        input[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, size);
}

function macHash(algorithm: string): Hash {
  if (algorithm === oids.sha1) return 'sha1';
  if (algorithm === oids.sha256) return 'sha256';
  if (algorithm === oids.sha512) return 'sha512';
  throw new FuncError('pkcs12: unknown digest algorithm');
}

/** Checks a PFX's MacData over the authenticated safe; false when the password is wrong. */
export function macMatches(macData: Asn1, content: Buffer, password: Buffer): boolean {
  const [digestInfo, saltNode, iterationsNode] = elements(macData, 'PKCS#12 MAC', 2);
  const [algorithm, digestNode] = elements(digestInfo, 'PKCS#12 MAC', 2);
  const hash = macHash(oidOf(elements(algorithm, 'PKCS#12 MAC', 1)[0], 'PKCS#12 MAC'));
  const iterations = iterationsNode ? integerOf(iterationsNode, 'PKCS#12 MAC') : 1;
  const digest = octets(digestNode, 'PKCS#12 MAC');
  const size = createHash(hash).digest().length;
  const key = pkcs12Kdf(hash, password, octets(saltNode, 'PKCS#12 MAC'), 3, iterations, size);
  const expected = createHmac(hash, key).update(content).digest();
  return expected.length === digest.length && timingSafeEqual(expected, digest);
}

export function macData(content: Buffer, password: Buffer, salt: Buffer, iterations: number): Asn1 {
  const key = pkcs12Kdf('sha256', password, salt, 3, iterations, 32);
  const digest = createHmac('sha256', key).update(content).digest();
  return seq(seq(seq(oid(oids.sha256)), octetString(digest)), octetString(salt), int(iterations));
}

function unpad(data: Buffer, blockSize: number): Buffer {
  const n = data.at(-1) ?? 0;
  if (n === 0 || n > blockSize || n > data.length) throw new FuncError(badPadding);
  for (let i = data.length - n; i < data.length; i++) if (data[i] !== n) throw new FuncError(badPadding);
  return data.subarray(0, data.length - n);
}

function nodeDecrypt(cipher: string, key: Buffer, iv: Buffer, data: Buffer, blockSize: number): Buffer {
  if (data.length === 0) throw new FuncError('pkcs12: empty encrypted data');
  if (data.length % blockSize !== 0) throw new FuncError('pkcs12: input is not a multiple of the block size');
  const decipher = createDecipheriv(cipher, key, iv).setAutoPadding(false);
  return unpad(Buffer.concat([decipher.update(data), decipher.final()]), blockSize);
}

function rc2Decrypt(key: Buffer, iv: Buffer, data: Buffer, effectiveBits: number): Buffer {
  if (data.length === 0) throw new FuncError('pkcs12: empty encrypted data');
  if (data.length % 8 !== 0) throw new FuncError('pkcs12: input is not a multiple of the block size');
  const cipher = forge.rc2.createDecryptionCipher(key.toString('binary'), effectiveBits);
  cipher.start(iv.toString('binary'));
  cipher.update(forge.util.createBuffer(data.toString('binary')));
  // forge checks nothing when told not to unpad; the padding check is ours, as in Go.
  cipher.finish(() => true);
  return unpad(Buffer.from(cipher.output.getBytes(), 'binary'), 8);
}

const aesKeyLength: Record<string, number> = {
  [oids.aes128Cbc]: 16,
  [oids.aes192Cbc]: 24,
  [oids.aes256Cbc]: 32,
};
const prfHash: Record<string, Hash> = {
  [oids.hmacWithSha1]: 'sha1',
  [oids.hmacWithSha256]: 'sha256',
  [oids.hmacWithSha512]: 'sha512',
};

function pbes2Decrypt(params: Asn1 | undefined, password: Buffer, data: Buffer): Buffer {
  const what = 'PKCS#12 PBES2 parameters';
  const [kdf, scheme] = elements(params, what, 2);
  const [kdfOid, kdfParams] = elements(kdf, what, 2);
  if (oidOf(kdfOid, what) !== oids.pbkdf2) throw new FuncError('pkcs12: pbes2 kdf algorithm is not supported');
  const [saltNode, iterationsNode, ...rest] = elements(kdfParams, what, 2);
  // keyLength is optional and precedes the optional PRF; an absent PRF means HMAC-SHA1.
  const prfNode = rest.find((n) => Array.isArray(n.value));
  const prf = prfNode ? prfHash[oidOf(elements(prfNode, what, 1)[0], what)] : 'sha1';
  if (!prf) throw new FuncError('pkcs12: pbes2 prf is not supported');
  const [schemeOid, ivNode] = elements(scheme, what, 2);
  const keyLength = aesKeyLength[oidOf(schemeOid, what)];
  if (!keyLength) throw new FuncError('pkcs12: pbes2 algorithm is not supported');
  const key = pbkdf2Sync(
    utf8Password(password),
    octets(saltNode, what),
    integerOf(iterationsNode, what),
    keyLength,
    prf,
  );
  return nodeDecrypt(`aes-${keyLength * 8}-cbc`, key, octets(ivNode, what), data, 16);
}

/** Decrypts data under an AlgorithmIdentifier of a PKCS#12 PBE or PBES2 scheme. */
export function pbeDecrypt(algorithm: Asn1, password: Buffer, data: Buffer): Buffer {
  const what = 'PKCS#12 encryption parameters';
  const [algorithmOid, params] = elements(algorithm, what, 1);
  const id = oidOf(algorithmOid, what);
  if (id === oids.pbes2) return pbes2Decrypt(params, password, data);
  const [saltNode, iterationsNode] = elements(params, what, 2);
  const salt = octets(saltNode, what);
  const iterations = integerOf(iterationsNode, what);
  const derive = (which: 1 | 2, size: number): Buffer => pkcs12Kdf('sha1', password, salt, which, iterations, size);
  switch (id) {
    case oids.pbeSha1TripleDes:
      return nodeDecrypt('des-ede3-cbc', derive(1, 24), derive(2, 8), data, 8);
    case oids.pbeSha1Rc2128:
      return rc2Decrypt(derive(1, 16), derive(2, 8), data, 128);
    case oids.pbeSha1Rc240:
      return rc2Decrypt(derive(1, 5), derive(2, 8), data, 40);
  }
  throw new FuncError('pkcs12: pbe algorithm is not supported');
}

/** PBES2 with PBKDF2-HMAC-SHA-256 and AES-256-CBC, as go-pkcs12's Modern encoder writes it. */
export function pbes2Encrypt(
  password: Buffer,
  data: Buffer,
  iterations: number,
  random: (size: number) => Uint8Array,
): { algorithm: Asn1; encrypted: Buffer } {
  const salt = Buffer.from(random(16));
  const iv = Buffer.from(random(16));
  const key = pbkdf2Sync(utf8Password(password), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv); // PKCS#7 padding, as Go's pbEncrypt
  const encrypted = Buffer.concat([cipher.update(data), cipher.final()]);
  const kdf = seq(oid(oids.pbkdf2), seq(octetString(salt), int(iterations), seq(oid(oids.hmacWithSha256))));
  const algorithm = seq(oid(oids.pbes2), seq(kdf, seq(oid(oids.aes256Cbc), octetString(iv))));
  return { algorithm, encrypted };
}
