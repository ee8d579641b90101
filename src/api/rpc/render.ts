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
 * Every body is a string, never a Buffer. A Buffer's bytes live outside V8's heap, and V8 counts such
 * bytes allocated since its last full collection against the old generation's limit: with a ~3 KB Buffer
 * per answer, a loaded server started a mark-compact every 120–150 ms (21–40 in 5 s, against 1–5 with
 * strings; BENCHMARKS.md, bench:api, stop 28). A string body costs a few kilobytes of young garbage
 * instead (Node joins it to the response head before writing), which the scavenger frees cheaply.
 */
export class SuccessRenderer {
  private readonly json = new WeakMap<WireObject, { text: string; bytes: number }>();

  /** The body, its type, and its length in bytes (kept with the JSON: measuring the joined body would copy it). */
  render(format: WireFormat, action: string, requestId: string, fields: WireObject): { body: string; type: string; length: number } {
    if (format === 'XML') {
      const body = DECLARATION + xml.build({ [`${action}Response`]: { RequestId: requestId, ...fields } });
      return { body, type: XML_TYPE, length: Buffer.byteLength(body) };
    }
    let rest = this.json.get(fields);
    if (rest === undefined) {
      // '{…}' without its opening brace, and with a comma before the first field.
      const whole = JSON.stringify(fields);
      const text = whole === '{}' ? '}' : `,${whole.slice(1)}`;
      this.json.set(fields, (rest = { text, bytes: Buffer.byteLength(text) }));
    }
    const head = `{"RequestId":${JSON.stringify(requestId)}`;
    return { body: head + rest.text, type: JSON_TYPE, length: Buffer.byteLength(head) + rest.bytes };
  }
}

export function renderError(format: WireFormat, error: RpcError, requestId: string, hostId: string, recommend: string): { body: string; type: string } {
  const body = { RequestId: requestId, HostId: hostId, Code: error.code, Message: error.message, Recommend: recommend };
  if (format === 'JSON') return { body: JSON.stringify(body), type: JSON_TYPE };
  return { body: DECLARATION + xml.build({ Error: body }), type: XML_TYPE };
}
