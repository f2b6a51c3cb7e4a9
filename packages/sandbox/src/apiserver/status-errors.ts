import type { FieldCause } from './crd-schema.ts';

/** The `details` of a kube Status: `kind` is the resource (plural) except for 422 Invalid, where it is the Kind. */
export type StatusDetails = { name?: string; group?: string; kind?: string; uid?: string; causes?: FieldCause[] };

/** An error that becomes a `kind: Status` body exactly as kube-apiserver writes it. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

/** Group and plural of a resource, as kube names it in messages (`deployments.apps`). */
export type GroupResource = { group: string; plural: string };

function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.plural}.${gr.group}` : gr.plural;
}

function detailsOf(gr: GroupResource, name: string): StatusDetails {
  return gr.group ? { name, group: gr.group, kind: gr.plural } : { name, kind: gr.plural };
}

export function statusBody(err: ApiError): object {
  const body: Record<string, unknown> = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
  };
  // A plain storage error (reason Unknown) comes without one, as from kube-apiserver.
  if (err.reason) body.reason = err.reason;
  if (err.details) body.details = err.details;
  body.code = err.code;
  return body;
}

export function successStatus(gr: GroupResource, name: string, uid: string | undefined): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { ...detailsOf(gr, name), ...(uid ? { uid } : {}) },
  };
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(gr)} "${name}" not found`, detailsOf(gr, name));
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, detailsOf(gr, name));
}

export function conflict(gr: GroupResource, name: string, why: string, causes?: FieldCause[]): ApiError {
  const details = detailsOf(gr, name);
  if (causes) details.causes = causes;
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`, details);
}

export const STALE_OBJECT =
  'the object has been modified; please apply your changes to the latest version and try again';

export function invalid(group: string, kind: string, name: string, causes: FieldCause[]): ApiError {
  const what = group ? `${kind}.${group}` : kind;
  const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = summary.length === 1 ? summary[0] : `[${summary.join(', ')}]`;
  const details: StatusDetails = { name, ...(group ? { group } : {}), kind, causes };
  return new ApiError(422, 'Invalid', `${what} "${name}" is invalid: ${list}`, details);
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(method: string, gr: GroupResource): ApiError {
  return new ApiError(405, 'MethodNotAllowed', `${method} is not supported on resources of kind "${qualified(gr)}"`, {
    ...(gr.group ? { group: gr.group } : {}),
    kind: gr.plural,
  });
}

export function unsupportedMediaType(accepted: string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

export function notAcceptable(): ApiError {
  return new ApiError(
    406,
    'NotAcceptable',
    'only the following media types are accepted: application/json, application/yaml',
  );
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function forbidden(gr: GroupResource, name: string, message: string): ApiError {
  return new ApiError(403, 'Forbidden', message, detailsOf(gr, name));
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}
