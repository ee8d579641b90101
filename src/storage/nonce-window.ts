import { hash } from 'node:crypto';

/**
 * The replay window held in memory: which nonce ids are remembered, and until when (ms), kept in typed
 * arrays instead of a JavaScript Map.
 *
 * Why not a Map: the window holds every nonce of the last 15 minutes, hundreds of thousands of entries
 * under load. As Map entries with string keys each was ~150 bytes of heap that every garbage collection
 * walked, and each new key lived in the young generation first, so every scavenge copied it and the
 * scavenges grew long: with the window in the heap the API's p99 was 14–31 ms in bench:api, without it
 * 7–8 ms. Here an entry is a 64-bit digest of its id and its time, in an open-addressing table (linear
 * probing, backward-shift deletion) plus a ring in insertion order for forgetting: 50–100 bytes outside
 * the heap, which the collector never scans.
 *
 * The digest is the first 64 bits of SHA-1 (crypto.hash, a quarter of a microsecond). Two ids share one
 * with odds of about n / 2^64 for a window of n, and the cost of that would be one fresh nonce refused as
 * used (the client signs again); an attacker can only collide with nonces they know, which are their own.
 */
export class NonceWindow {
  private mask: number;
  /** Slot → digest halves and until when (0: an empty slot; a time in ms is never 0). */
  private hi: Uint32Array;
  private lo: Uint32Array;
  private until: Float64Array;
  private count = 0;
  /** Every remember call, oldest first: a circular buffer from `head`, `queued` long. */
  private ringHi: Uint32Array;
  private ringLo: Uint32Array;
  private ringUntil: Float64Array;
  private head = 0;
  private queued = 0;

  constructor(initialCapacity = 1 << 14) {
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.mask = capacity - 1;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.until = new Float64Array(capacity);
    this.ringHi = new Uint32Array(capacity >> 1);
    this.ringLo = new Uint32Array(capacity >> 1);
    this.ringUntil = new Float64Array(capacity >> 1);
  }

  /** Ids remembered (expired ones included until they are forgotten). */
  get size(): number {
    return this.count;
  }

  /** Until when `id` is remembered (ms), or -Infinity when it is not. */
  get(id: string): number {
    digest(id);
    const slot = this.find(scratchHi, scratchLo);
    return slot < 0 ? -Infinity : this.until[slot]!;
  }

  /** Remembers `id` until `untilMs` (> 0), replacing an earlier time; it is forgotten after the ids before it. */
  set(id: string, untilMs: number): void {
    digest(id);
    const hi = scratchHi;
    const lo = scratchLo;
    const found = this.find(hi, lo);
    if (found >= 0) {
      this.until[found] = untilMs;
    } else {
      if ((this.count + 1) * 2 > this.mask + 1) this.grow();
      this.place(hi, lo, untilMs);
      this.count++;
    }
    this.enqueue(hi, lo, untilMs);
  }

  /**
   * Forgets expired ids from the oldest on, looking at up to `budget` of them and stopping at the first
   * that is still remembered: times grow with insertion order (up to the 15 minutes a timestamp may lead
   * by), and lookups check the time anyway. Returns how many ids were forgotten.
   */
  forget(nowMs: number, budget: number): number {
    let dropped = 0;
    for (let looked = 0; looked < budget && this.queued > 0; looked++) {
      const at = this.head;
      const until = this.ringUntil[at]!;
      if (until >= nowMs) break;
      this.head = (at + 1) % this.ringUntil.length;
      this.queued--;
      const slot = this.find(this.ringHi[at]!, this.ringLo[at]!);
      // Remembered again since with a later time: that later entry of the ring forgets it.
      if (slot < 0 || this.until[slot] !== until) continue;
      this.remove(slot);
      dropped++;
    }
    return dropped;
  }

  private find(hi: number, lo: number): number {
    for (let slot = lo & this.mask; this.until[slot] !== 0; slot = (slot + 1) & this.mask) {
      if (this.lo[slot] === lo && this.hi[slot] === hi) return slot;
    }
    return -1;
  }

  /** Backward-shift deletion: later entries of the probe run move up, so no lookup ever stops short. */
  private remove(slot: number): void {
    const mask = this.mask;
    let hole = slot;
    for (let next = (hole + 1) & mask; this.until[next] !== 0; next = (next + 1) & mask) {
      const home = this.lo[next]! & mask;
      // The entry at `next` may move into the hole unless its home lies cyclically in (hole, next].
      const staysPut = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (staysPut) continue;
      this.hi[hole] = this.hi[next]!;
      this.lo[hole] = this.lo[next]!;
      this.until[hole] = this.until[next]!;
      hole = next;
    }
    this.until[hole] = 0;
    this.count--;
  }

  private grow(): void {
    const { hi, lo, until } = this;
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.until = new Float64Array(capacity);
    for (let old = 0; old < until.length; old++) {
      if (until[old] !== 0) this.place(hi[old]!, lo[old]!, until[old]!);
    }
  }

  /** Into the first empty slot from its home (the caller knows the digest is not in the table). */
  private place(hi: number, lo: number, until: number): void {
    let slot = lo & this.mask;
    while (this.until[slot] !== 0) slot = (slot + 1) & this.mask;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.until[slot] = until;
  }

  private enqueue(hi: number, lo: number, until: number): void {
    let length = this.ringUntil.length;
    if (this.queued === length) {
      // Full: double it, oldest first from index 0.
      const grown = { hi: new Uint32Array(length * 2), lo: new Uint32Array(length * 2), until: new Float64Array(length * 2) };
      for (let i = 0; i < length; i++) {
        const at = (this.head + i) % length;
        grown.hi[i] = this.ringHi[at]!;
        grown.lo[i] = this.ringLo[at]!;
        grown.until[i] = this.ringUntil[at]!;
      }
      this.ringHi = grown.hi;
      this.ringLo = grown.lo;
      this.ringUntil = grown.until;
      this.head = 0;
      length *= 2;
    }
    const at = (this.head + this.queued) % length;
    this.ringHi[at] = hi;
    this.ringLo[at] = lo;
    this.ringUntil[at] = until;
    this.queued++;
  }
}

let scratchHi = 0;
let scratchLo = 0;

/** The first 64 bits of the id's SHA-1, into scratchHi/scratchLo (no allocation but the digest's string). */
function digest(id: string): void {
  const d = hash('sha1', id, 'binary'); // 'binary' is latin1: one char per byte
  scratchHi = (d.charCodeAt(0) | (d.charCodeAt(1) << 8) | (d.charCodeAt(2) << 16) | (d.charCodeAt(3) << 24)) >>> 0;
  scratchLo = (d.charCodeAt(4) | (d.charCodeAt(5) << 8) | (d.charCodeAt(6) << 16) | (d.charCodeAt(7) << 24)) >>> 0;
}
