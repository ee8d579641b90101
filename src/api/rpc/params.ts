import { rpcErrors } from './rpc-error.js';

/** A request's parameters (query and form body together), with the checks every action needs. */
export class Params {
  constructor(private readonly map: ReadonlyMap<string, string>) {}

  /** Absent or empty → MissingParameter naming it. */
  required(name: string): string {
    const value = this.map.get(name);
    if (value === undefined || value === '') throw rpcErrors.missing(name);
    return value;
  }

  optional(name: string): string | undefined {
    const value = this.map.get(name);
    return value === undefined || value === '' ? undefined : value;
  }

  /** A required 32-hex id (VideoId, TemplateId…). */
  id(name: string): string {
    const value = this.required(name);
    if (!ID.test(value)) throw rpcErrors.invalid(name, 'not a valid id.');
    return value;
  }

  /** A required comma-separated list of at most `max` ids, duplicates removed, order kept. */
  idList(name: string, max: number): string[] {
    const ids = [...new Set(this.required(name).split(',').map((s) => s.trim()).filter((s) => s !== ''))];
    if (ids.length === 0) throw rpcErrors.missing(name);
    if (ids.length > max) throw rpcErrors.invalid(name, `at most ${max} ids are allowed, got ${ids.length}.`);
    const bad = ids.find((id) => !ID.test(id));
    if (bad !== undefined) throw rpcErrors.invalid(name, `"${bad.slice(0, 64)}" is not a valid id.`);
    return ids;
  }

  /** An optional parameter holding a JSON object; at most `maxBytes` long. */
  jsonObject(name: string, maxBytes: number): Record<string, unknown> | undefined {
    const raw = this.optional(name);
    if (raw === undefined) return undefined;
    if (Buffer.byteLength(raw) > maxBytes) throw rpcErrors.invalid(name, `longer than ${maxBytes} bytes.`);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw rpcErrors.invalid(name, 'not valid JSON.');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw rpcErrors.invalid(name, 'must be a JSON object.');
    return value as Record<string, unknown>;
  }
}

const ID = /^[0-9a-f]{32}$/;
