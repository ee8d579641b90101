import type { AppError } from '../../errors.js';
import { REFUSAL_STATUS, type HttpRefusal } from '../http-refusal.js';

/** An error as VOD's wire shows it: a code, an HTTP status and a message. Lives only at the API edge. */
export class RpcError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra response headers (x-acs-retry-after for throttling). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const rpcErrors = {
  missing: (name: string) => new RpcError('MissingParameter', 400, `The input parameter "${name}" that is mandatory for processing this request is not supplied.`),
  invalid: (name: string, why: string) => new RpcError('InvalidParameter', 400, `The parameter "${name}" is invalid: ${why}`),
  invalidFormat: (value: string) => new RpcError('InvalidParameter.Format', 400, `The specified format "${value}" is not supported: use JSON or XML.`),
  actionNotFound: (action: string) => new RpcError('InvalidAction.NotFound', 404, `The specified action "${action}" is not found.`),
  keyNotFound: () => new RpcError('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.'),
  keyInactive: () => new RpcError('InvalidAccessKeyId.Inactive', 400, 'Specified access key is disabled.'),
  incompleteSignature: (why: string) => new RpcError('IncompleteSignature', 400, `The request signature does not conform to Aliyun standards: ${why}`),
  signatureMismatch: () => new RpcError('SignatureDoesNotMatch', 400, 'Specified signature is not matched with our calculation.'),
  signatureMethod: (method: string) => new RpcError('InvalidSignatureMethod', 400, `Specified signature method "${method}" is not supported.`),
  timestampFormat: (value: string) => new RpcError('InvalidTimeStamp.Format', 400, `Specified time stamp "${value}" is not valid: use yyyy-MM-ddTHH:mm:ssZ in UTC.`),
  timestampExpired: (value: string) => new RpcError('InvalidTimeStamp.Expired', 400, `Specified time stamp "${value}" is more than 15 minutes away from the server time.`),
  nonceUsed: () => new RpcError('SignatureNonceUsed', 400, 'Specified signature nonce was used already.'),
  throttled: (retryAfterSeconds: number) =>
    new RpcError('Throttling.User', 400, 'Request was denied due to user flow control.', { 'x-acs-retry-after': String(retryAfterSeconds) }),
  fileExtension: (name: string) => new RpcError('InvalidFileName.Extension', 400, `The file name "${name}" has no video extension VOD accepts (mp4, mov, mkv, flv, ts, avi, webm, …).`),
  tooLong: (name: string, max: number) => new RpcError('LengthExceededMax', 400, `The parameter "${name}" is longer than ${max} characters.`),
  tooManyTags: () => new RpcError('TagsExceededMax', 400, 'At most 16 tags are allowed.'),
  illegalCharacters: (name: string) => new RpcError('IllegalCharacters', 400, `The parameter "${name}" contains control characters.`),
  badEncoding: () => new RpcError('InvalidParameter.Encoding', 400, 'The query string or form body is not valid percent-encoding (each % must start a two-digit hex escape).'),
  internal: () => new RpcError('InternalError', 500, 'The request processing has failed due to some unknown error.'),
  unavailable: () => new RpcError('ServiceUnavailable', 503, 'The request has failed due to a temporary failure of the server.'),
};

/**
 * The one table from the domain's error kinds to VOD's codes. `details.resource` picks the specific code
 * where VOD has one (InvalidVideo.NotFound). An internal error's message never reaches the client.
 */
export function fromAppError(error: AppError): RpcError {
  const resource = String(error.details['resource'] ?? '');
  switch (error.kind) {
    case 'not_found':
      if (resource === 'video') return new RpcError('InvalidVideo.NotFound', 404, 'The video does not exist.');
      if (resource === 'template') return new RpcError('InvalidTemplate.NotFound', 404, 'The template does not exist.');
      if (resource === 'snapshot_template') return new RpcError('NoSuchResource', 404, error.message);
      return new RpcError('NotFound', 404, error.message);
    case 'invalid_argument':
    case 'invalid_media':
      return new RpcError('InvalidParameter', 400, error.message);
    case 'conflict':
      if (resource === 'video_status') return new RpcError('Forbidden.IllegalStatus', 400, error.message);
      return new RpcError(resource === 'template' ? 'Forbidden.DefaultTemplate' : 'InvalidVideo.Status', 400, error.message);
    case 'forbidden':
    case 'unauthenticated':
      return new RpcError('Forbidden', 403, error.message);
    case 'unavailable':
    case 'aborted':
      return rpcErrors.unavailable();
    default:
      return rpcErrors.internal();
  }
}

/**
 * VOD errors for what the HTTP layer refuses. The spec's table has no codes for these; ours, documented in
 * the README: InvalidApi.NotFound is the code Alibaba's API gateway gives an unknown path.
 */
export function fromRefusal(refusal: HttpRefusal): RpcError {
  const status = REFUSAL_STATUS[refusal];
  switch (refusal) {
    case 'not_found':
      return new RpcError('InvalidApi.NotFound', status, 'Specified api is not found: the API is served at / (GET or POST).');
    case 'forbidden':
      return new RpcError('Forbidden', status, 'The URL signature is missing, expired or does not match.');
    case 'method_not_allowed':
      return new RpcError('UnsupportedHTTPMethod', status, 'Specified HTTP method is not supported: use GET or POST.', { allow: 'GET, POST' });
    case 'bad_encoding':
      return rpcErrors.badEncoding();
    case 'bad_request':
      return new RpcError('MalformedRequest', status, 'The request could not be read as HTTP.');
    case 'body_too_large':
      return new RpcError('RequestBodyTooLarge', status, 'The request body is larger than this server accepts (SMARTCOVER_BODY_LIMIT).');
    case 'headers_too_large':
      return new RpcError('RequestHeaderTooLarge', status, 'The request headers are larger than this server accepts.');
    case 'timeout':
      return new RpcError('RequestTimeout', status, 'The request did not arrive in time: the client stopped sending.');
    case 'unavailable':
      return rpcErrors.unavailable();
    default:
      return rpcErrors.internal();
  }
}
