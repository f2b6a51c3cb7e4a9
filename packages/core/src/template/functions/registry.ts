// The function set templates may call: Go's builtins, the Sprig subset ESO users rely on, and
// ESO's helpers. Functions that would make templates non-deterministic or reach outside the
// sandbox are named here so the parse error says why they are missing. Two kinds of functions
// are random by design and served anyway, because ESO users need their output: htpasswd and
// bcrypt (a salt) and the PKCS#12 encoders (salts and IVs); see docs/generic-pipeline.md.

import { builtinFunctions } from './builtins.ts';
import { certChainFunctions } from './cert-chain.ts';
import { collectionFunctions } from './collections.ts';
import { encodingFunctions } from './encoding.ts';
import { floatMathFunctions } from './float-math.ts';
import { htpasswdFunctions } from './htpasswd.ts';
import { mathFunctions } from './math.ts';
import { pemFunctions } from './pem.ts';
import { pkcs12Functions } from './pkcs12.ts';
import { regexFunctions } from './regex.ts';
import { semverFunctions } from './semver.ts';
import { stringFunctions } from './strings.ts';
import type { FunctionTable, TemplateFunction } from './types.ts';

export const templateFunctions: FunctionTable = new Map<string, TemplateFunction>([
  ...stringFunctions,
  ...regexFunctions,
  ...encodingFunctions,
  ...pemFunctions,
  ...certChainFunctions,
  ...pkcs12Functions,
  ...htpasswdFunctions,
  ...collectionFunctions,
  ...mathFunctions,
  ...floatMathFunctions,
  ...semverFunctions,
  ...builtinFunctions, // last: Go's builtins win over any same-named helper
]);

const time = 'templates must be deterministic, and time functions are not available';
const random = 'templates must be deterministic, and functions using randomness are not available';
const unavailable: Record<string, string> = {
  call: 'data never holds functions, so call is not available',
  env: 'templates cannot read the environment',
  expandenv: 'templates cannot read the environment',
  getHostByName: 'templates cannot use the network',
  getSecretKey: 'templates cannot read other Secrets',
  fail: 'fail is not available',
};
for (const name of [
  'now',
  'date',
  'dateInZone',
  'date_in_zone',
  'dateModify',
  'date_modify',
  'mustDateModify',
  'ago',
  'duration',
  'durationRound',
  'unixEpoch',
  'toDate',
  'mustToDate',
  'htmlDate',
  'htmlDateInZone',
]) {
  unavailable[name] = time;
}
for (const name of [
  'uuidv4',
  'randAlphaNum',
  'randAlpha',
  'randAscii',
  'randNumeric',
  'randBytes',
  'randInt',
  'shuffle',
  'genPrivateKey',
  'genCA',
  'genCAWithKey',
  'genSelfSignedCert',
  'genSelfSignedCertWithKey',
  'genSignedCert',
  'genSignedCertWithKey',
  'encryptAES',
]) {
  unavailable[name] = random;
}
// Helpers of ESO releases after v0.16.2, the version Lockstep follows.
for (const name of ['pemTruststoreToPKCS12', 'pemTruststoreToPKCS12Pass', 'certSANs', 'rsaDecrypt']) {
  unavailable[name] = 'this ESO function is not supported by Lockstep';
}

/** For the parser: undefined when the function exists, otherwise the message to show. */
export function checkFunction(name: string): string | undefined {
  if (templateFunctions.has(name)) return undefined;
  const reason = Object.hasOwn(unavailable, name) ? unavailable[name] : undefined;
  return reason
    ? `function ${JSON.stringify(name)} is not available: ${reason}`
    : // An unknown name is whatever the template says, and a template may come from a Secret: not quoted.
      'function not defined (no Go template or Sprig function has this name)';
}
