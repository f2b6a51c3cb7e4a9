// `spec.provider.webhook` of a SecretStore and the spec of the Webhook generator (ESO's
// WebhookProvider and generators' WebhookSpec share these fields): an HTTP(S) call whose url,
// headers, body and result.jsonPath are Go templates over `remoteRef` and the named `secrets`.

import { CaProviderSchema, GoDuration, SecretKeySelectorSchema, StringMap } from '@lockstep/core';
import { type Static, Type } from 'typebox';

export const WebhookSpecSchema = Type.Object({
  url: Type.String({
    minLength: 1,
    description: 'URL to call; a template over .remoteRef (query-escaped) and the named secrets.',
  }),
  method: Type.Optional(Type.String({ description: 'HTTP method; default GET.' })),
  headers: Type.Optional(StringMap({ description: 'Request headers; values are templates.' })),
  body: Type.Optional(Type.String({ description: 'Request body; a template.' })),
  timeout: Type.Optional(
    GoDuration({ description: 'Time for the whole call, answer included; default 10s (ESO sets none).' }),
  ),
  result: Type.Optional(
    Type.Object({
      jsonPath: Type.Optional(Type.String({ description: 'JSONPath (RFC 9535) of the value; a template.' })),
    }),
  ),
  secrets: Type.Optional(
    Type.Array(
      Type.Object({
        name: Type.String({ minLength: 1, description: 'Name of this Secret in the templates.' }),
        secretRef: SecretKeySelectorSchema,
      }),
      { description: 'Secrets labelled external-secrets.io/type=webhook, offered to the templates by name.' },
    ),
  ),
  auth: Type.Optional(
    Type.Object(
      {
        ntlm: Type.Optional(
          Type.Object({ usernameSecret: SecretKeySelectorSchema, passwordSecret: SecretKeySelectorSchema }),
        ),
      },
      { description: 'NTLM is not supported by Lockstep: a store that sets it is refused.' },
    ),
  ),
  caBundle: Type.Optional(Type.String({ format: 'byte', description: 'Base64 PEM CA bundle trusted for https.' })),
  caProvider: Type.Optional(CaProviderSchema),
});
export type WebhookSpec = Static<typeof WebhookSpecSchema>;

export const WebhookProviderSchema = WebhookSpecSchema;
export type WebhookProvider = WebhookSpec;
