// AWS errors are classified by their error NAME: moto answers a missing secret with 404
// while AWS answers 400, and only the name (`ResourceNotFoundException`) is the same.

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
};

/** What the call was about, for the message: `secret "db"`, `role "arn:…"`. */
export function classifyAwsError(err: unknown, about: string): BackendError {
  if (err instanceof BackendError) return err;
  const e = (err ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode;
  const errorClass: ErrorClass = BY_NAME[name] ?? (status ? classifyHttpStatus(status) : 'Unavailable');
  return new BackendError(errorClass, 'aws', messageFor(errorClass, about, name, e.message), { cause: err });
}

/** Builds the error for one entry of BatchGetSecretValue's `Errors` list. */
export function classifyBatchEntryError(code: string | undefined, message: string | undefined, id: string) {
  return classifyAwsError({ name: code ?? 'Error', message }, `secret "${id}"`);
}

function messageFor(errorClass: ErrorClass, about: string, name: string, detail: string | undefined): string {
  const reason = detail ? `: ${detail}` : '';
  switch (errorClass) {
    case 'NotFound':
      return `AWS Secrets Manager: ${about} not found`;
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
