// AWS errors are classified by their error NAME: moto answers a missing secret with 404
// while AWS answers 400, and only the name (`ResourceNotFoundException`) is the same.
// Secrets Manager and Parameter Store (SSM) share this table; their names do not collide.

import { BackendError, classifyHttpStatus, type ErrorClass } from '@lockstep/core';

const BY_NAME: Record<string, ErrorClass> = {
  ResourceNotFoundException: 'NotFound',
  AccessDeniedException: 'Forbidden',
  AccessDenied: 'Forbidden',
  UnrecognizedClientException: 'Forbidden',
  InvalidClientTokenId: 'Forbidden',
  InvalidSignatureException: 'Forbidden',
  SignatureDoesNotMatch: 'Forbidden',
  IncompleteSignature: 'Forbidden',
  ExpiredTokenException: 'Forbidden',
  ExpiredToken: 'Forbidden',
  InvalidIdentityToken: 'Forbidden',
  IDPRejectedClaim: 'Forbidden',
  DecryptionFailure: 'Forbidden',
  CredentialsProviderError: 'Forbidden',
  ThrottlingException: 'Throttled',
  Throttling: 'Throttled',
  TooManyRequestsException: 'Throttled',
  RequestLimitExceeded: 'Throttled',
  IDPCommunicationError: 'Unavailable',
  InternalServiceError: 'Unavailable',
  InternalFailure: 'Unavailable',
  ServiceUnavailable: 'Unavailable',
  TimeoutError: 'Unavailable',
  ResourceExistsException: 'Conflict',
  InvalidParameterException: 'InvalidInput',
  InvalidRequestException: 'InvalidInput',
  ValidationException: 'InvalidInput',
  MalformedPolicyDocumentException: 'InvalidInput',
  PreconditionNotMetException: 'InvalidInput',
  LimitExceededException: 'InvalidInput',
  // Parameter Store (SSM). ListTagsForResource answers a missing parameter with InvalidResourceId.
  ParameterNotFound: 'NotFound',
  ParameterVersionNotFound: 'NotFound',
  InvalidResourceId: 'NotFound',
  ParameterAlreadyExists: 'Conflict',
  TooManyUpdates: 'Conflict',
  InternalServerError: 'Unavailable',
  InvalidKeyId: 'InvalidInput',
  ParameterLimitExceeded: 'InvalidInput',
  ParameterMaxVersionLimitExceeded: 'InvalidInput',
  ParameterPatternMismatchException: 'InvalidInput',
  HierarchyLevelLimitExceededException: 'InvalidInput',
  HierarchyTypeMismatchException: 'InvalidInput',
  UnsupportedParameterType: 'InvalidInput',
  InvalidFilterKey: 'InvalidInput',
  InvalidFilterOption: 'InvalidInput',
  InvalidFilterValue: 'InvalidInput',
  InvalidNextToken: 'InvalidInput',
  TooManyTagsError: 'InvalidInput',
};

/** Names the service in a NotFound message; Secrets Manager unless told. */
export interface AwsService {
  label: 'AWS Secrets Manager' | 'AWS Parameter Store';
}
const SECRETS_MANAGER: AwsService = { label: 'AWS Secrets Manager' };

/** What the call was about, for the message: `secret "db"`, `parameter "/app/db"`, `role "arn:…"`. */
export function classifyAwsError(err: unknown, about: string, service: AwsService = SECRETS_MANAGER): BackendError {
  if (err instanceof BackendError) return err;
  const e = (err ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode;
  const errorClass: ErrorClass = BY_NAME[name] ?? (status ? classifyHttpStatus(status) : 'Unavailable');
  return new BackendError(errorClass, 'aws', messageFor(errorClass, about, name, e.message, service), { cause: err });
}

/** Builds the error for one entry of BatchGetSecretValue's `Errors` list. */
export function classifyBatchEntryError(code: string | undefined, message: string | undefined, id: string) {
  return classifyAwsError({ name: code ?? 'Error', message }, `secret "${id}"`);
}

function messageFor(
  errorClass: ErrorClass,
  about: string,
  name: string,
  detail: string | undefined,
  service: AwsService,
): string {
  const reason = detail ? `: ${detail}` : '';
  switch (errorClass) {
    case 'NotFound':
      return `${service.label}: ${about} not found`;
    case 'Forbidden':
      if (name === 'CredentialsProviderError') return `AWS: no credentials found for ${about}${reason}`;
      return `AWS denied access to ${about} (${name})${reason}`;
    case 'Throttled':
      return `AWS is throttling requests for ${about} (${name})`;
    case 'Unavailable':
      return `AWS unreachable or failing for ${about} (${name})${reason}`;
    case 'Conflict':
      return `AWS: ${about} conflicts with the current state (${name})${reason}`;
    case 'InvalidInput':
      return `AWS rejected the request for ${about} (${name})${reason}`;
  }
}

/**
 * A failed batch call, as each id's own error: the message names that id, not how many reads
 * the batch happened to join. A count that changes from one refresh to the next would change
 * the Ready message, and each status patch would run the ExternalSecret again at once, past
 * its backoff (a hot loop while AWS is down or throttling).
 */
export function eachAbout(
  ids: string[],
  err: unknown,
  about: (id: string) => string,
  service: AwsService = SECRETS_MANAGER,
): Map<string, BackendError> {
  const raw = err instanceof BackendError ? err.cause : err;
  // Raised before AWS answered (the store's credentials Secret or service account is missing):
  // it already says what to fix.
  const beforeAws =
    err instanceof BackendError && (err.backend !== 'aws' || raw === undefined || raw instanceof BackendError);
  if (beforeAws) return new Map(ids.map((id) => [id, err]));
  return new Map(ids.map((id) => [id, classifyAwsError(raw, about(id), service)]));
}

/** Authenticated but not allowed (missing or invalid credentials have other names). */
export function isAccessDenied(err: unknown): boolean {
  const cause = err instanceof BackendError ? err.cause : err;
  return (cause as { name?: unknown } | undefined)?.name === 'AccessDeniedException';
}
