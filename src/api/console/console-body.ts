import { AppError } from '../../errors.js';

/**
 * A console request's JSON body, read field by field with messages a person can act on. Unknown fields
 * are refused, so a typo in a client is found at once instead of silently ignored.
 */
export class ConsoleBody {
  private constructor(private readonly fields: Readonly<Record<string, unknown>>) {}

  static parse(raw: Buffer, contentType: string | undefined, allowed: readonly string[]): ConsoleBody {
    if (raw.length === 0) return new ConsoleBody({});
    // JSON only: a cross-site form cannot send it without a CORS preflight, which the console never grants.
    if (!/^application\/json\b/i.test(contentType ?? '')) throw invalid('Send the request body as application/json.');
    let value: unknown;
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch {
      throw invalid('The request body is not valid JSON.');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('The request body must be a JSON object.');
    const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) throw invalid(`Unknown field "${unknown[0]}"; allowed: ${allowed.join(', ')}.`);
    return new ConsoleBody(value as Record<string, unknown>);
  }

  /** Text of 1..max characters without control characters; undefined when absent and optional. */
  text(name: string, label: string, max: number, required: true): string;
  text(name: string, label: string, max: number, required?: false): string | undefined;
  text(name: string, label: string, max: number, required = false): string | undefined {
    const value = this.fields[name];
    if (value === undefined || value === '') {
      if (required) throw invalid(`${label} is required.`);
      return undefined;
    }
    if (typeof value !== 'string') throw invalid(`${label} must be text.`);
    if ([...value].length > max) throw invalid(`${label} is longer than ${max} characters.`);
    if (/[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value)) throw invalid(`${label} contains control characters.`);
    return value;
  }

  number(name: string, label: string, options: { min: number; max: number; integer?: boolean }): number | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || (options.integer === true && !Number.isInteger(value))) {
      throw invalid(`${label} must be ${options.integer === true ? 'a whole number' : 'a number'}.`);
    }
    if (value < options.min || value > options.max) throw invalid(`${label} must be from ${options.min} to ${options.max}.`);
    return value;
  }

  boolean(name: string, label: string): boolean | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw invalid(`${label} must be true or false.`);
    return value;
  }

  /** One of `choices`. */
  choice<T extends string>(name: string, label: string, choices: readonly T[]): T | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !choices.includes(value as T)) throw invalid(`${label} must be one of: ${choices.join(', ')}.`);
    return value as T;
  }
}

export function invalid(message: string): AppError {
  return new AppError('invalid_argument', message);
}
