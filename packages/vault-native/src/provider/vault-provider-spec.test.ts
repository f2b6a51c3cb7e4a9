import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoreRef } from '@lockstep/core';
import { authMethodOf, type VaultProviderSpec, validateVaultSpec } from './vault-provider-spec.ts';

const store: StoreRef = { kind: 'SecretStore', name: 'vault', namespace: 'team-a' };
const cluster: StoreRef = { kind: 'ClusterSecretStore', name: 'vault' };
/** A spec as written by a user, before the API server applies the schema's defaults. */
const loose = (spec: unknown) => spec as VaultProviderSpec;

const base: VaultProviderSpec = {
  server: 'https://vault.example:8200',
  path: 'secret',
  version: 'v2',
  auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } },
};

describe('vault store spec validation', () => {
  it('accepts an ESO store spec as it is', () => {
    assert.deepEqual(validateVaultSpec(base, store), []);
    assert.deepEqual(
      validateVaultSpec(
        {
          ...base,
          version: 'v1',
          caBundle: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64'),
          auth: { kubernetes: { mountPath: 'k8s', role: 'app', serviceAccountRef: { name: 'app' } } },
        },
        store,
      ),
      [],
    );
  });

  it('says what to fix for a missing server, a bad version and a caBundle that is not PEM', () => {
    const errors = validateVaultSpec(
      { ...base, server: '', version: 'v3' as 'v2', caBundle: Buffer.from('nope').toString('base64') },
      store,
    );
    assert.equal(errors.length, 3);
    assert.match(errors[0] ?? '', /server is required/);
    assert.match(errors[1] ?? '', /version must be v1 or v2/);
    assert.match(errors[2] ?? '', /caBundle must be the base64 encoding of a PEM/);
  });

  it('needs exactly one auth method', () => {
    assert.match(validateVaultSpec({ ...base, auth: {} }, store)[0] ?? '', /exactly one of/);
    assert.match(
      validateVaultSpec(
        { ...base, auth: { ...base.auth, jwt: { path: 'jwt', secretRef: { name: 'j', key: 'k' } } } },
        store,
      )[0] ?? '',
      /sets tokenSecretRef and jwt/,
    );
  });

  it('reports vaultAuthRef as not supported yet', () => {
    assert.match(
      validateVaultSpec({ ...base, auth: { vaultAuthRef: { name: 'default' } } }, store)[0] ?? '',
      /not supported yet/,
    );
  });

  it('keeps a namespaced store inside its namespace, but lets a cluster store name one', () => {
    const spec: VaultProviderSpec = { ...base, auth: { tokenSecretRef: { name: 't', key: 'k', namespace: 'team-b' } } };
    assert.match(validateVaultSpec(spec, store)[0] ?? '', /"team-b" is not allowed in a SecretStore/);
    assert.deepEqual(validateVaultSpec(spec, cluster), []);
  });

  it('refuses kubernetes auth without a service account: Lockstep never logs in as itself', () => {
    assert.match(
      validateVaultSpec({ ...base, auth: { kubernetes: { mountPath: 'kubernetes', role: 'app' } } }, store)[0] ?? '',
      /needs serviceAccountRef/,
    );
  });

  it('maps ESO auth blocks with their default mounts', () => {
    assert.deepEqual(
      authMethodOf(loose({ ...base, auth: { appRole: { roleId: 'r', secretRef: { name: 's', key: 'k' } } } })),
      {
        type: 'appRole',
        mount: 'approle',
        roleId: 'r',
        secretIdRef: { name: 's', key: 'k' },
      },
    );
    assert.equal(
      (
        authMethodOf(loose({ ...base, auth: { kubernetes: { role: 'a', serviceAccountRef: { name: 'sa' } } } })) as {
          mount: string;
        }
      ).mount,
      'kubernetes',
    );
    assert.deepEqual(
      authMethodOf(
        loose({
          ...base,
          auth: {
            jwt: {
              role: 'r',
              kubernetesServiceAccountToken: {
                serviceAccountRef: { name: 'sa' },
                audiences: ['vault'],
                expirationSeconds: 900,
              },
            },
          },
        }),
      ),
      {
        type: 'jwt',
        mount: 'jwt',
        role: 'r',
        serviceAccount: { name: 'sa', audiences: ['vault'], expirationSeconds: 900 },
      },
    );
  });
});

describe('vault store fields that are refused rather than ignored', () => {
  it('refuses an http:// server only under --refuse-insecure-transport', () => {
    const http = { ...base, server: 'http://vault.example:8200' };
    assert.deepEqual(validateVaultSpec(http, store), []);
    const errors = validateVaultSpec(http, store, { refuseInsecureTransport: true });
    assert.equal(errors.length, 1);
    assert.match(errors[0] as string, /spec\.provider\.vault\.server .* plain http .*--refuse-insecure-transport/);
    assert.deepEqual(validateVaultSpec(base, store, { refuseInsecureTransport: true }), []);
  });

  it('refuses readYourWrites and a required checkAndSet, which nothing here implements', () => {
    const errors = validateVaultSpec({ ...base, readYourWrites: true, checkAndSet: { required: true } }, store);
    assert.equal(errors.length, 2);
    assert.match(errors[0] as string, /readYourWrites is not supported: remove it/);
    assert.match(errors[1] as string, /checkAndSet\.required is not supported: remove it/);
    assert.deepEqual(validateVaultSpec({ ...base, forwardInconsistent: true, checkAndSet: {} }, store), []);
  });
});
