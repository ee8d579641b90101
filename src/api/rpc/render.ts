import { XMLBuilder } from 'fast-xml-parser';
import type { RpcError } from './rpc-error.js';

export type WireFormat = 'JSON' | 'XML';
export type WireValue = string | number | boolean | null | WireObject | WireValue[];
export interface WireObject {
  [field: string]: WireValue;
}

export const JSON_TYPE = 'application/json;charset=utf-8';
/** Exactly this string: the generated SDKs parse an XML error only when the Content-Type matches it. */
export const XML_TYPE = 'text/xml;charset=utf-8';

const xml = new XMLBuilder({ ignoreAttributes: true, suppressEmptyNode: false, format: false });
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Success bodies: RequestId first, then the action's fields. In XML the root is <ActionResponse> and an
 * array repeats its element once per item ("flat" arrays, as VOD renders them).
 *
 * The JSON of the fields is kept per fields object: an action answering from a cache hands out the same
 * (never mutated) object, and serialising ListAIImageInfo's list was a tenth of that call's cost.
 *
 * A body is never a Buffer made per answer. A Buffer's bytes live outside V8's heap, and V8 counts such
 * bytes allocated since its last full collection against the old generation's limit: with a ~3 KB Buffer
 * per answer, a loaded server started a mark-compact every 120–150 ms (21–40 in 5 s, against 1–5 with
 * strings; BENCHMARKS.md, bench:api, stop 28). So a fields object seen for the first time (most actions
 * make theirs per request) is answered as one string. One seen again comes from a cache: its JSON is then
 * kept as bytes, made once and shared by every later answer from it, after a short string with the
 * RequestId (`rest`). Why not one string then too: Node joins a string body to the response head and
 * flattens the join to write it, a copy of the whole body in the young generation per answer, a seventh of
 * what a signed ListAIImageInfo allocated (BENCHMARKS.md, stop 29).
 */
export class SuccessRenderer {
  /** The JSON of a fields object without its opening brace: text the first time, bytes once seen again. */
  private readonly json = new WeakMap<WireObject, string | Buffer>();

  /** The body (`body`, then `rest` when there is one), its type, and its whole length in bytes. */
  render(format: WireFormat, action: string, requestId: string, fields: WireObject): RenderedBody & { type: string } {
    if (format === 'XML') {
      const body = DECLARATION + xml.build({ [`${action}Response`]: { RequestId: requestId, ...fields } });
      return { body, rest: undefined, type: XML_TYPE, length: Buffer.byteLength(body) };
    }
    const head = `{"RequestId":${JSON.stringify(requestId)}`;
    let kept = this.json.get(fields);
    if (kept === undefined) {
      // '{…}' without its opening brace, and with a comma before the first field.
      const whole = JSON.stringify(fields);
      const text = whole === '{}' ? '}' : `,${whole.slice(1)}`;
      this.json.set(fields, text);
      // Measured in parts: the length of the joined body would flatten (copy) it once more.
      return { body: head + text, rest: undefined, type: JSON_TYPE, length: Buffer.byteLength(head) + Buffer.byteLength(text) };
    }
    if (typeof kept === 'string') this.json.set(fields, (kept = Buffer.from(kept)));
    return { body: head, rest: kept, type: JSON_TYPE, length: Buffer.byteLength(head) + kept.length };
  }
}

/** A body as it goes on the wire: text, then (when kept) shared bytes that must never be written to. */
export interface RenderedBody {
  readonly body: string;
  readonly rest: Buffer | undefined;
  /** The whole body's length in bytes. */
  readonly length: number;
}

/** The whole body as one string, for the paths that are not hot (Fastify's, a raw socket's). */
export function wholeBody(rendered: RenderedBody): string {
  return rendered.rest === undefined ? rendered.body : rendered.body + rendered.rest.toString('utf8');
}

export function renderError(format: WireFormat, error: RpcError, requestId: string, hostId: string, recommend: string): { body: string; type: string } {
  const body = { RequestId: requestId, HostId: hostId, Code: error.code, Message: error.message, Recommend: recommend };
  if (format === 'JSON') return { body: JSON.stringify(body), type: JSON_TYPE };
  return { body: DECLARATION + xml.build({ Error: body }), type: XML_TYPE };
}
