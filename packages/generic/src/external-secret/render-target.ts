// Step "template" of the ExternalSecret pipeline (ESO `spec.target.template`, engine v2):
// renders the provider data into the target Secret's data, type, labels and annotations.
// Templates run in core's sandboxed Go-template engine; template errors name the template,
// never a value.

import { compileTemplate, pacer, type SecretMap, SpecProblem } from '@lockstep/core';
import { parse as parseYaml } from 'yaml';

export interface TemplateItem {
  key: string;
  templateAs?: 'Values' | 'KeysAndValues';
}

export interface TemplateFrom {
  configMap?: { name: string; items: TemplateItem[] };
  secret?: { name: string; items: TemplateItem[] };
  literal?: string;
  target?: 'Data' | 'Annotations' | 'Labels';
}

export interface TargetTemplate {
  type?: string;
  engineVersion?: 'v2';
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  templateFrom?: TemplateFrom[];
  mergePolicy?: 'Replace' | 'Merge';
}

export interface RenderedTarget {
  data: SecretMap;
  type?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Reads the ConfigMaps and Secrets that `templateFrom` names, in the ExternalSecret's namespace. */
export interface TemplateSources {
  configMap(name: string): Promise<Record<string, string>>;
  secret(name: string): Promise<Record<string, string>>;
}

/** A `template` or `templateFrom` that cannot be used as written; the message names it. */
export class TemplateSpecError extends SpecProblem {
  constructor(message: string) {
    super('InvalidSpec', message);
  }
}

/** Synchronous template work one object does in a row before it lets the event loop turn. */
const RENDER_SLICE_MS = 10;

export async function renderTarget(
  template: TargetTemplate | undefined,
  data: SecretMap,
  sources: TemplateSources,
): Promise<RenderedTarget> {
  if (!template) return { data, labels: {}, annotations: {} };
  const values = data;
  // Each template is bounded (maxMillis, tokens), but one object may hold many of them:
  // past RENDER_SLICE_MS the next one waits for an event-loop turn, so other objects go first.
  const pace = pacer(RENDER_SLICE_MS);
  const out: RenderedTarget = {
    data: template.mergePolicy === 'Merge' || !hasDataTemplates(template) ? { ...data } : {},
    labels: { ...template.metadata?.labels },
    annotations: { ...template.metadata?.annotations },
    ...(template.type ? { type: template.type } : {}),
  };

  for (const [i, from] of (template.templateFrom ?? []).entries()) {
    const where = `templateFrom[${i}]`;
    const sink = sinkOf(out, from.target);
    if (from.literal !== undefined) {
      await pace();
      Object.assign(
        sink.target,
        parseRenderedMap(render(`${where}.literal`, from.literal, values), where, sink.encode),
      );
      continue;
    }
    const source = from.configMap ?? from.secret;
    if (!source) throw new TemplateSpecError(`${where} needs one of configMap, secret or literal`);
    const texts = from.configMap ? await sources.configMap(source.name) : await sources.secret(source.name);
    for (const item of source.items) {
      const text = texts[item.key];
      if (text === undefined) {
        throw new TemplateSpecError(
          `${where}: ${from.configMap ? 'ConfigMap' : 'Secret'} "${source.name}" has no key "${item.key}"`,
        );
      }
      await pace();
      const rendered = render(`${where}.${item.key}`, text, values);
      if (item.templateAs === 'KeysAndValues') {
        Object.assign(sink.target, parseRenderedMap(rendered, `${where}.${item.key}`, sink.encode));
      } else {
        sink.target[item.key] = sink.encode(rendered);
      }
    }
  }

  for (const [key, text] of Object.entries(template.data ?? {})) {
    await pace();
    out.data[key] = renderBytes(`data.${key}`, text, values);
  }
  return out;
}

function hasDataTemplates(t: TargetTemplate): boolean {
  return Object.keys(t.data ?? {}).length > 0 || (t.templateFrom ?? []).some((f) => (f.target ?? 'Data') === 'Data');
}

type Sink = { target: Record<string, Uint8Array | string>; encode: (s: string) => Uint8Array | string };

function sinkOf(out: RenderedTarget, target: TemplateFrom['target']): Sink {
  if (target === 'Labels') return { target: out.labels, encode: (s) => s };
  if (target === 'Annotations') return { target: out.annotations, encode: (s) => s };
  return { target: out.data as Record<string, Uint8Array | string>, encode: (s) => Buffer.from(s) };
}

// ESO runs templates with missingkey=error; values stay bytes so binary data (`b64dec` of a
// keystore) is written unchanged.
function renderBytes(name: string, text: string, values: SecretMap): Uint8Array {
  return compileTemplate(name, text).executeBytes(values, { missingKey: 'error' });
}

function render(name: string, text: string, values: SecretMap): string {
  return Buffer.from(renderBytes(name, text, values)).toString('utf8');
}

/** `KeysAndValues` items and literals render a YAML map of keys to values (ESO semantics). */
function parseRenderedMap(
  rendered: string,
  where: string,
  encode: (s: string) => Uint8Array | string,
): Record<string, Uint8Array | string> {
  let parsed: unknown;
  try {
    parsed = parseYaml(rendered);
  } catch {
    throw new TemplateSpecError(`${where} must render a YAML map of keys to values`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TemplateSpecError(`${where} must render a YAML map of keys to values`);
  }
  const out: Record<string, Uint8Array | string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    out[key] = encode(typeof value === 'string' ? value : JSON.stringify(value));
  }
  return out;
}
