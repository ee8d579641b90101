/**
 * What the HTTP layer itself refuses, before (or instead of) a surface's own handler: the one vocabulary
 * server.ts speaks. Each surface translates it once into its own error shape (VOD's for the RPC API,
 * OSS's XML for files and objects, the console's JSON), so that no client ever gets Fastify's or Node's
 * own bodies.
 */
export type HttpRefusal =
  | 'not_found' // no such path on this surface
  | 'forbidden' // a signed URL whose auth_key is missing, expired or wrong
  | 'method_not_allowed' // the path exists, the method does not
  | 'bad_encoding' // the URL is not valid percent-encoding
  | 'bad_request' // malformed HTTP, or a body Fastify could not read
  | 'body_too_large'
  | 'headers_too_large'
  | 'timeout' // the request (head or body) stopped coming
  | 'unavailable' // shutting down
  | 'internal';

/** The HTTP status of each refusal where the surface has no reason to differ. */
export const REFUSAL_STATUS: Readonly<Record<HttpRefusal, number>> = {
  not_found: 404, forbidden: 403, method_not_allowed: 405, bad_encoding: 400, bad_request: 400, body_too_large: 413,
  headers_too_large: 431, timeout: 408, unavailable: 503, internal: 500,
};

/** The reason phrase for a status line written straight to a socket (before any request was parsed). */
export const REASON: Readonly<Record<number, string>> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 413: 'Payload Too Large',
  431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable',
};
