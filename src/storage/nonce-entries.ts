/**
 * The embedded nonce log's row format (SqliteNonceLog, table nonce_batches): a batch's nonces as the
 * digests the window keeps them under (NonceWindow), each followed by until when it is remembered. Written
 * by the log and by the migration that converted the log kept a row per nonce; read when a process catches up.
 */

/** Bytes a nonce takes in its batch's row: its digest's two 32-bit halves, then until when (ms, a double). */
export const ENTRY = 16;

/** Writes the n-th entry of a batch's row. */
export function writeEntry(entries: Buffer, n: number, hi: number, lo: number, untilMs: number): void {
  entries.writeUInt32LE(hi, ENTRY * n);
  entries.writeUInt32LE(lo, ENTRY * n + 4);
  entries.writeDoubleLE(untilMs, ENTRY * n + 8);
}

/** Every entry of a batch's row, in order. */
export function readEntries(entries: Buffer, each: (hi: number, lo: number, untilMs: number) => void): void {
  for (let at = 0; at + ENTRY <= entries.length; at += ENTRY) each(entries.readUInt32LE(at), entries.readUInt32LE(at + 4), entries.readDoubleLE(at + 8));
}
