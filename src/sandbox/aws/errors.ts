// AWS Backup's error answers: an HTTP status, the name in x-amzn-ErrorType, and the {Message, Code, Type} body;
// and Account Management's, whose body is {message} with the error's own members.

export type SandboxErrorName =
  | 'AccessDeniedException'
  | 'InvalidParameterValueException'
  | 'InvalidRequestException'
  | 'MissingParameterValueException'
  | 'ResourceNotFoundException'
  | 'ServiceUnavailableException'
  | 'ThrottlingException'
  | 'LimitExceededException'
  | 'ExpiredTokenException'
  | 'MissingAuthenticationTokenException'
  | 'InvalidSignatureException'
  | 'UnknownOperationException'
  | 'SerializationException'
  // Account Management's names for a throttle, a server fault and a refused member.
  | 'TooManyRequestsException'
  | 'InternalServerException'
  | 'ValidationException';

/** An answer other than success. The SDK picks its exception class from `name` alone. */
export class SandboxError extends Error {
  constructor(
    override readonly name: SandboxErrorName,
    readonly status: number,
    message: string,
    /** AWS Backup's `Context` member: the parameter or resource the error is about. */
    readonly context?: string,
    /** Account Management's members beside `message` (a ValidationException's `reason` and `fieldList`). */
    readonly members: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The body in the shape of the service that answers. */
  body(service: 'backup' | 'account' = 'backup'): Record<string, unknown> {
    if (service === 'account') return { message: this.message, ...this.members };
    return {
      Code: this.name,
      ...(this.context !== undefined ? { Context: this.context } : {}),
      Message: this.message,
      Type: this.status >= 500 ? 'Server' : 'User',
    };
  }
}

/** Account Management's names for what AWS Backup calls otherwise; the errors every AWS service shares stay as they are. */
export function asAccountError(error: SandboxError): SandboxError {
  switch (error.name) {
    case 'ThrottlingException':
      return new SandboxError('TooManyRequestsException', 429, error.message);
    case 'ServiceUnavailableException':
      return new SandboxError('InternalServerException', error.status, error.message);
    case 'LimitExceededException':
    case 'InvalidParameterValueException':
    case 'SerializationException':
      return new SandboxError('ValidationException', 400, error.message, undefined, { reason: 'fieldValidationFailed' });
    default:
      return error;
  }
}

export const invalidParameter = (message: string, context?: string): SandboxError =>
  new SandboxError('InvalidParameterValueException', 400, message, context);

/** AWS Backup's refusal of a request that is well formed but cannot be done now, such as stopping a job that is not running. */
export const invalidRequest = (message: string, context?: string): SandboxError =>
  new SandboxError('InvalidRequestException', 400, message, context);

export const missingParameter = (member: string): SandboxError =>
  new SandboxError('MissingParameterValueException', 400, `${member} is required but was not provided.`, member);

export const notFound = (message: string, context?: string): SandboxError =>
  new SandboxError('ResourceNotFoundException', 404, message, context);

/** IAM's refusal, common to every AWS service; not in AWS Backup's own model, so the SDK raises a generic exception. */
export const accessDenied = (message: string): SandboxError => new SandboxError('AccessDeniedException', 403, message);

export const missingAuthentication = (): SandboxError =>
  new SandboxError('MissingAuthenticationTokenException', 403, 'Missing Authentication Token');

export const unknownOperation = (method: string, path: string): SandboxError =>
  new SandboxError('UnknownOperationException', 404, `No AWS Backup operation answers ${method} ${path} in this sandbox.`);

export const serialization = (message: string): SandboxError => new SandboxError('SerializationException', 400, message);

/** What a bug in the sandbox looks like on the wire; the SDK retries it as it would a real outage. */
export const internalFailure = (): SandboxError =>
  new SandboxError('ServiceUnavailableException', 500, 'The sandbox failed to process the request.');

export const throttled = (): SandboxError => new SandboxError('ThrottlingException', 400, 'Rate exceeded');

/** In AWS Backup's model a limit on what a request contains (too many tags, say), not on its rate. */
export const limitExceeded = (): SandboxError => new SandboxError('LimitExceededException', 400, 'A limit in the request has been exceeded');

export const expiredToken = (): SandboxError =>
  new SandboxError('ExpiredTokenException', 403, 'The security token included in the request is expired');

export const serviceUnavailable = (status = 503): SandboxError =>
  new SandboxError('ServiceUnavailableException', status, 'The service is temporarily unavailable. Try again later.');
