/**
 * VOD's wire times, yyyy-MM-ddTHH:mm:ssZ in UTC: the request Timestamp, time parameters and every time in
 * an answer.
 */

/** Wire time: yyyy-MM-ddTHH:mm:ssZ. */
export function wireTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** A wire time parameter (yyyy-MM-ddTHH:mm:ssZ, up to three digits of fractions), or undefined when it has another shape. */
export function checkWireTime(value: string): Date | undefined {
  // Read character by character (every request's Timestamp goes through here: a regular expression's
  // match and the numbers made of its groups cost several times more), and refused when a field is out of
  // range instead of rolled over (Date.UTC turns Feb 30 into Mar 2).
  const length = value.length;
  if (length !== 20 && (length < 22 || length > 24)) return undefined;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    const expected = i < 19 ? WIRE_TIME_SHAPE.charCodeAt(i) : i === 19 && length > 20 ? DOT : i === length - 1 ? Z : DIGIT;
    if (expected === DIGIT ? c < 0x30 || c > 0x39 : c !== expected) return undefined;
  }
  const y = digits(value, 0, 4), mo = digits(value, 5, 2), d = digits(value, 8, 2), h = digits(value, 11, 2), mi = digits(value, 14, 2), sec = digits(value, 17, 2);
  // One to three digits of a second: .5 is 500 ms.
  const fraction = length === 20 ? 0 : digits(value, 20, length - 21) * 10 ** (24 - length);
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59) return undefined;
  return new Date(Date.UTC(y, mo - 1, d, h, mi, sec, fraction));
}

/** Days in a month of the year Date.UTC takes `year` for (0–99 are 1900–1999). */
function daysIn(year: number, month: number): number {
  if (month !== 2) return DAYS[month - 1]!;
  const y = year < 100 ? 1900 + year : year;
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
}
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Where a wire time has digits (0) and which separators. */
const WIRE_TIME_SHAPE = '0000-00-00T00:00:00';
const DIGIT = 0x30, DOT = 0x2e, Z = 0x5a;

/** The number `count` ASCII digits spell from `from` (checked to be digits already). */
function digits(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + text.charCodeAt(i) - 0x30;
  return n;
}
