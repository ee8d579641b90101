import type { IncomingMessage } from 'node:http';

/** host[:port]: an IP literal in brackets, or a reg-name (RFC 3986), which may be empty. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]*)(?::[0-9]*)?$/;

/**
 * Whether a request's Host is one RFC 9112 (§3.2) says a server must answer with 400: missing from an
 * HTTP/1.1 request, sent more than once, or not a host[:port]. Node drops a repeated Host itself (it keeps
 * the first), so the raw header lines are counted. It matters beyond the RFC: with no public URL configured,
 * FileURLs are built from Host, and a value that is not a host would go into signed URLs.
 */
export function hostIsBad(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (host === undefined) return req.httpVersion === '1.1';
  if (!HOST.test(host)) return true;
  const raw = req.rawHeaders;
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host' && ++seen > 1) return true;
  }
  return false;
}
