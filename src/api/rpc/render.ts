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
 * The JSON of the fields is kept, as bytes, per fields object: an action answering from a cache hands out
 * the same (never mutated) object, and serialising ListAIImageInfo's list was a tenth of that call's cost.
 * A JSON body is a Buffer: Node joins a string body to the response head and copies both into one new
 * string before writing, a few kilobytes of garbage per call that the hot path's scavenges paid for.
 */
export class SuccessRenderer {
  private readonly json = new WeakMap<WireObject, Buffer>();

  render(format: WireFormat, action: string, requestId: string, fields: WireObject): { body: string | Buffer; type: string } {
    if (format === 'XML') return { body: DECLARATION + xml.build({ [`${action}Response`]: { RequestId: requestId, ...fields } }), type: XML_TYPE };
    let rest = this.json.get(fields);
    if (rest === undefined) {
      // '{…}' without its opening brace, and with a comma before the first field.
      const whole = JSON.stringify(fields);
      rest = Buffer.from(whole === '{}' ? '}' : `,${whole.slice(1)}`, 'utf8');
      this.json.set(fields, rest);
    }
    const head = `{"RequestId":${JSON.stringify(requestId)}`;
    const headBytes = Buffer.byteLength(head, 'utf8');
    const body = Buffer.allocUnsafe(headBytes + rest.length);
    body.write(head, 0, 'utf8');
    rest.copy(body, headBytes);
    return { body, type: JSON_TYPE };
  }
}

export function renderError(format: WireFormat, error: RpcError, requestId: string, hostId: string, recommend: string): { body: string; type: string } {
  const body = { RequestId: requestId, HostId: hostId, Code: error.code, Message: error.message, Recommend: recommend };
  if (format === 'JSON') return { body: JSON.stringify(body), type: JSON_TYPE };
  return { body: DECLARATION + xml.build({ Error: body }), type: XML_TYPE };
}
