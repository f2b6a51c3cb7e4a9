import { createHash } from 'node:crypto';
import { apiVersionOf, groupVersionPath, type Registry, type ResourceType } from './registry.ts';

/**
 * Minimal OpenAPI documents. kubectl needs /openapi/v3 to learn that the server validates fields itself
 * (`fieldValidation` on PATCH, so it skips client-side validation), and /openapi/v2 for kinds it validates on its
 * own side (Namespace); a document without definitions makes it skip validation rather than fail.
 */
export class OpenApi {
  private readonly registry: Registry;
  private cachedFor = -1;
  private docs = new Map<string, { text: string; hash: string }>();

  constructor(registry: Registry) {
    this.registry = registry;
  }

  private refresh(): void {
    if (this.cachedFor === this.registry.version) return;
    const byGv = new Map<string, ResourceType[]>();
    for (const rt of this.registry.all()) {
      const key = groupVersionPath(rt.group, rt.version).slice(1);
      byGv.set(key, [...(byGv.get(key) ?? []), rt]);
    }
    this.docs = new Map();
    for (const [key, rts] of byGv) {
      const text = JSON.stringify(groupVersionDoc(rts));
      this.docs.set(key, { text, hash: createHash('sha512').update(text).digest('hex').slice(0, 128).toUpperCase() });
    }
    this.cachedFor = this.registry.version;
  }

  /** GET /openapi/v3: where each group version's document lives; the hash changes with the content. */
  root(): object {
    this.refresh();
    const paths: Record<string, object> = {};
    for (const [key, doc] of this.docs) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
    return { paths };
  }

  /** GET /openapi/v3/{api/v1|apis/g/v} as JSON text, or undefined. */
  groupVersion(key: string): string | undefined {
    this.refresh();
    return this.docs.get(key)?.text;
  }
}

const PATCH_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
}));

function groupVersionDoc(rts: ResourceType[]): object {
  const paths: Record<string, object> = {};
  for (const rt of rts) {
    const base = groupVersionPath(rt.group, rt.version);
    const itemPath = rt.namespaced
      ? `${base}/namespaces/{namespace}/${rt.plural}/{name}`
      : `${base}/${rt.plural}/{name}`;
    const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
    if (!rt.verbs.includes('patch')) continue;
    // No strategic-merge content type: kubectl then computes apply patches from its built-in types.
    paths[itemPath] = {
      patch: {
        operationId: `patch${rt.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
        parameters: PATCH_PARAMETERS,
        requestBody: {
          content: {
            'application/apply-patch+yaml': { schema: { type: 'object' } },
            'application/json-patch+json': { schema: { type: 'object' } },
            'application/merge-patch+json': { schema: { type: 'object' } },
          },
          required: true,
        },
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  const apiVersion = rts[0] ? apiVersionOf(rts[0]) : '';
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: `v1.35.0 (${apiVersion})` },
    paths,
    components: { schemas: {} },
  };
}

/** An empty OpenAPI v2 document in JSON; protobuf clients get zero bytes, which decode to the same empty document. */
export const OPENAPI_V2_JSON = {
  swagger: '2.0',
  info: { title: 'Kubernetes', version: 'v1.35.0' },
  paths: {},
  definitions: {},
};
