import { XMLBuilder } from 'fast-xml-parser';
import type { AppError } from '../../errors.js';
import type { HttpRefusal } from '../http-refusal.js';

/** An OSS error: the code ali-oss exposes as err.code (and acts on), its HTTP status, a message. */
export class OssError extends Error {
  override readonly name = 'OssError';

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const ossErrors = {
  accessDenied: (why: string) => new OssError('AccessDenied', 403, why),
  signatureMismatch: () => new OssError('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'),
  invalidAccessKeyId: () => new OssError('InvalidAccessKeyId', 403, 'The OSS Access Key Id you provided does not exist in our records.'),
  skewed: () => new OssError('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large (more than 15 minutes).'),
  invalidObjectName: () => new OssError('InvalidObjectName', 400, 'The specified object name is not valid.'),
  invalidArgument: (why: string) => new OssError('InvalidArgument', 400, why),
  malformedXml: () => new OssError('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate.'),
  invalidDigest: () => new OssError('InvalidDigest', 400, 'The Content-MD5 you specified is not valid or does not match the body.'),
  notImplemented: () => new OssError('NotImplemented', 501, 'This object endpoint accepts uploads only: PutObject and multipart uploads.'),
  internal: () => new OssError('InternalError', 500, 'We encountered an internal error. Please try again.'),
  unavailable: () => new OssError('ServiceUnavailable', 503, 'The service is temporarily unavailable. Please try again.'),
};

/** The one table from the domain's error kinds to OSS codes (details.reason picks the specific one). */
export function ossErrorFrom(error: AppError): OssError {
  const reason = String(error.details['reason'] ?? '');
  switch (error.kind) {
    case 'unauthenticated':
      if (reason === 'expired') return new OssError('SecurityTokenExpired', 403, 'The security token you provided has expired: call RefreshUploadVideo for a new one.');
      return new OssError('InvalidSecurityToken', 403, error.message);
    case 'forbidden':
      return ossErrors.accessDenied(error.message);
    case 'not_found':
      return error.details['resource'] === 'upload' ? new OssError('NoSuchUpload', 404, error.message) : new OssError('NoSuchKey', 404, error.message);
    case 'invalid_argument':
    case 'invalid_media':
      if (reason === 'too_large') return new OssError('EntityTooLarge', 400, `Your proposed upload exceeds the maximum allowed size (${String(error.details['limit'] ?? '')} bytes).`);
      if (reason === 'invalid_part') return new OssError('InvalidPart', 400, error.message);
      if (reason === 'part_order') return new OssError('InvalidPartOrder', 400, error.message);
      if (reason === 'bad_digest') return new OssError('BadDigest', 400, error.message);
      if (reason === 'too_small') return new OssError('EntityTooSmall', 400, error.message);
      // Renditions (x-oss-process).
      if (reason === 'not_implemented') return new OssError('NotImplemented', 501, error.message);
      if (reason === 'missing_argument') return new OssError('MissingArgument', 400, error.message);
      if (reason === 'image_too_large') return new OssError('ImageTooLarge', 400, error.message);
      if (reason === 'out_of_image') return new OssError('BadRequest', 400, error.message);
      return ossErrors.invalidArgument(error.message);
    case 'conflict':
      return ossErrors.accessDenied(error.message);
    case 'unavailable':
      return reason === 'busy' ? new OssError('ServiceUnavailable', 503, error.message) : ossErrors.unavailable();
    case 'aborted':
      return new OssError('RequestTimeout', 400, 'The request was not completed: the connection closed.');
    default:
      return ossErrors.internal();
  }
}

/** OSS's codes for what the HTTP layer refuses on the object and file paths (S3 and OSS share them). */
export function ossErrorFromRefusal(refusal: HttpRefusal): OssError {
  switch (refusal) {
    case 'not_found':
      return new OssError('NoSuchKey', 404, 'The specified key does not exist.');
    case 'forbidden':
      return ossErrors.accessDenied('The auth_key is missing, expired or does not match this path.');
    case 'method_not_allowed':
      return new OssError('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
    case 'bad_encoding':
      return new OssError('InvalidURI', 400, 'Could not parse the specified URI.');
    case 'bad_request':
      return new OssError('InvalidRequest', 400, 'The request could not be read as HTTP.');
    case 'body_too_large':
      return new OssError('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size.');
    case 'headers_too_large':
      return new OssError('RequestHeaderTooLarge', 400, 'Your request header exceeds the maximum allowed size.');
    case 'timeout':
      return new OssError('RequestTimeout', 400, 'Your socket connection to the server was not read from or written to within the timeout period.');
    case 'unavailable':
      return ossErrors.unavailable();
    default:
      return ossErrors.internal();
  }
}

const xml = new XMLBuilder({ ignoreAttributes: true, suppressEmptyNode: false, format: false });
export const OSS_XML_TYPE = 'application/xml';

/** `<Error><Code/><Message/><RequestId/><HostId/></Error>`, which ali-oss parses into err.code / err.status. */
export function renderOssError(error: OssError, requestId: string, hostId: string): string {
  return renderXml({ Error: { Code: error.code, Message: error.message, RequestId: requestId, HostId: hostId } });
}

export function renderXml(body: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml.build(body)}`;
}
