import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { JSON_TYPE, SuccessRenderer, wholeBody, XML_TYPE, type WireObject } from './render.js';

describe('SuccessRenderer', () => {
  it('renders RequestId first, then the fields, exactly as JSON.stringify would, with the length in bytes', () => {
    const renderer = new SuccessRenderer();
    const cases: WireObject[] = [
      {},
      { JobId: 'j1' },
      { AIImageInfoList: [{ Score: '5.03', FileURL: 'http://h/a.png?auth_key=1-r-0-x', Title: 'é "quoted" \\ </tag>' }], Total: 1, Empty: [], Nothing: null },
    ];
    for (const fields of cases) {
      // Twice: the second answer reuses the kept JSON and its kept length.
      for (const requestId of ['REQ-1', 'REQ-2']) {
        const rendered = renderer.render('JSON', 'Any', requestId, fields);
        const { type, length } = rendered;
        const body = wholeBody(rendered);
        expect(type).toBe(JSON_TYPE);
        expect(body).toBe(JSON.stringify({ RequestId: requestId, ...fields }));
        // In bytes, not characters: the title's é is two.
        expect(length).toBe(Buffer.byteLength(body));
      }
    }
  });

  it('reuses the JSON of a fields object it has seen, each time with that request\'s own RequestId', () => {
    const renderer = new SuccessRenderer();
    const shared: WireObject = { AIImageInfoList: [{ AIImageInfoId: 'a' }, { AIImageInfoId: 'b' }] };
    const answers = ['REQ-1', 'REQ-2', 'REQ-3'].map((id) => renderer.render('JSON', 'ListAIImageInfo', id, shared));
    answers.forEach((answer, i) => expect(JSON.parse(wholeBody(answer))).toEqual({ RequestId: `REQ-${i + 1}`, ...shared }));
    // The first time it is text, joined (most actions make their fields per request: no Buffer per answer).
    expect(answers[0]!.rest).toBeUndefined();
    // Seen again, it comes from a cache: its bytes are made once and shared; only the RequestId part is new.
    expect(answers[1]!.rest).toBeInstanceOf(Buffer);
    expect(answers[2]!.rest).toBe(answers[1]!.rest);
    expect(answers[2]!.body).toBe('{"RequestId":"REQ-3"');
  });

  it('renders XML under <ActionResponse> with flat arrays', () => {
    const { body, rest, type, length } = new SuccessRenderer().render('XML', 'ListAIImageInfo', 'REQ-1', { AIImageInfoList: [{ AIImageInfoId: 'a' }, { AIImageInfoId: 'b' }] });
    expect(type).toBe(XML_TYPE);
    // XML is rendered whole: nothing follows the text.
    expect(rest).toBeUndefined();
    expect(length).toBe(Buffer.byteLength(body));
    expect(body).toBe('<?xml version="1.0" encoding="UTF-8"?><ListAIImageInfoResponse><RequestId>REQ-1</RequestId>'
      + '<AIImageInfoList><AIImageInfoId>a</AIImageInfoId></AIImageInfoList><AIImageInfoList><AIImageInfoId>b</AIImageInfoId></AIImageInfoList></ListAIImageInfoResponse>');
    expect(new XMLParser().parse(body)).toMatchObject({ ListAIImageInfoResponse: { RequestId: 'REQ-1' } });
  });
});
