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
 * probing, backward-shift deletion) plus a queue in insertion order for forgetting: 50–100 bytes
 * outside the heap, which the collector never scans. Growing moves entries a few at a time, and the queue
 * grows by blocks: no call copies the whole window.
 *
 * The digest is the first 64 bits of SHA-1 (crypto.hash, a quarter of a microsecond). Two ids share one
 * with odds of about n / 2^64 for a window of n, and the cost of that would be one fresh nonce refused as
 * used (the client signs again); an attacker can only collide with nonces they know, which are their own.
 */
export class NonceWindow {
  /** Where ids are remembered. */
  private table: Table;
  /** While the table grows: the one before, whose entries move over a few at a time (see set). */
  private old: Table | undefined;
  /** The next slot of `old` to move. */
  private cursor = 0;
  private count = 0;
  /** Every remember call, oldest first. */
  private readonly queue = new BlockQueue();

  constructor(initialCapacity = 1 << 14) {
    this.table = new Table(2 ** Math.ceil(Math.log2(Math.max(16, initialCapacity))));
  }

  /** Ids remembered (expired ones included until they are forgotten). */
  get size(): number {
    return this.count;
  }

  /** Until when `id` is remembered (ms), or -Infinity when it is not. */
  get(id: string): number {
    digest(id);
    return this.getDigest(scratchHi, scratchLo);
  }

  /** get() by the id's digest (nonceDigest), for callers that keep digests rather than ids. */
  getDigest(hi: number, lo: number): number {
    const slot = this.table.find(hi, lo);
    if (slot >= 0) return this.table.until[slot]!;
    const before = this.old?.find(hi, lo) ?? -1;
    return before < 0 ? -Infinity : this.old!.until[before]!;
  }

  /** Remembers `id` until `untilMs` (> 0), replacing an earlier time; it is forgotten after the ids before it. */
  set(id: string, untilMs: number): void {
    digest(id);
    this.setDigest(scratchHi, scratchLo, untilMs);
  }

  /** set() by the id's digest (nonceDigest). */
  setDigest(hi: number, lo: number, untilMs: number): void {
    // Growing: moving MOVES_PER_SET slots of the old table with each call finishes the move before the
    // new table (twice the size) could fill up, so no call ever waits for more than a few of them.
    if (this.old !== undefined) this.move(MOVES_PER_SET);
    const found = this.table.find(hi, lo);
    if (found >= 0) {
      this.table.until[found] = untilMs;
    } else {
      const before = this.old?.find(hi, lo) ?? -1;
      if (before >= 0) {
        // Remembered in the old table: it moves over now, with its new time.
        this.old!.until[before] = MOVED;
      } else {
        if ((this.count + 1) * 2 > this.table.capacity) this.grow();
        this.count++;
      }
      this.table.place(hi, lo, untilMs);
    }
    this.queue.push(hi, lo, untilMs);
  }

  /**
   * Forgets expired ids from the oldest on, looking at up to `budget` of them and stopping at the first
   * that is still remembered: times grow with insertion order (up to the 15 minutes a timestamp may lead
   * by), and lookups check the time anyway. Returns how many ids were forgotten.
   */
  forget(nowMs: number, budget: number): number {
    let dropped = 0;
    const queue = this.queue;
    for (let looked = 0; looked < budget && queue.length > 0; looked++) {
      const until = queue.untilAtFront();
      if (until >= nowMs) break;
      const hi = queue.hiAtFront();
      const lo = queue.loAtFront();
      queue.shift();
      // Remembered again since with a later time: that later entry of the queue forgets it.
      const slot = this.table.find(hi, lo);
      if (slot >= 0) {
        if (this.table.until[slot] !== until) continue;
        this.table.remove(slot);
      } else {
        const before = this.old?.find(hi, lo) ?? -1;
        if (before < 0 || this.old!.until[before] !== until) continue;
        this.old!.until[before] = MOVED;
      }
      this.count--;
      dropped++;
    }
    return dropped;
  }

  /**
   * Starts moving into a table twice the size. Why not all at once: rehashing every entry stopped the
   * event loop for as long as that took, and the window is largest when the server is busiest (measured:
   * one call took a second at 4 million entries). A move still under way when the next growth comes
   * (which MOVES_PER_SET rules out) is finished first.
   */
  private grow(): void {
    if (this.old !== undefined) this.move(Infinity);
    this.old = this.table;
    this.table = new Table(this.old.capacity * 2);
    this.cursor = 0;
  }

  private move(slots: number): void {
    const old = this.old!;
    const end = Math.min(old.capacity, this.cursor + slots);
    for (let slot = this.cursor; slot < end; slot++) {
      const until = old.until[slot]!;
      if (until > 0) this.table.place(old.hi[slot]!, old.lo[slot]!, until);
      // Not emptied: that would cut the probe runs that lookups in the old table still follow.
      old.until[slot] = MOVED;
    }
    this.cursor = end;
    if (end === old.capacity) this.old = undefined;
  }
}

/** Old-table slots moved per set() while growing: at least 2 (see set); 4 leaves room. */
const MOVES_PER_SET = 4;
/** An old-table slot whose entry has moved or been forgotten: lookups probe past it, nothing matches it. */
const MOVED = -1;

/** An open-addressing table of digests and times: linear probing from lo & mask. */
class Table {
  readonly capacity: number;
  private readonly mask: number;
  /** Slot → digest halves and until when (0: an empty slot; a time in ms is never 0; MOVED, see above). */
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly until: Float64Array;
  /** The farthest any entry has been placed from its home slot. */
  private farthest = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.until = new Float64Array(capacity);
  }

  /**
   * Probes from the home slot up to the farthest any entry was ever placed from its own: an old table
   * being emptied has MOVED slots where empty ones would stop a probe, and near the end of a move it may
   * have no empty slot at all.
   */
  find(hi: number, lo: number): number {
    let slot = lo & this.mask;
    for (let distance = 0; distance <= this.farthest && this.until[slot] !== 0; distance++, slot = (slot + 1) & this.mask) {
      if (this.lo[slot] === lo && this.hi[slot] === hi && this.until[slot] !== MOVED) return slot;
    }
    return -1;
  }

  /** Into the first empty slot from its home (the caller knows the digest is not in the table). */
  place(hi: number, lo: number, until: number): void {
    const home = lo & this.mask;
    let slot = home;
    while (this.until[slot] !== 0) slot = (slot + 1) & this.mask;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.until[slot] = until;
    // Backward-shift deletion only ever moves entries nearer their home, so this stays an upper bound.
    this.farthest = Math.max(this.farthest, (slot - home) & this.mask);
  }

  /**
   * Backward-shift deletion: later entries of the probe run move up, so no lookup ever stops short. Only
   * in a table that has no MOVED slots (the current one): an old table's entries are marked MOVED instead.
   */
  remove(slot: number): void {
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
  }
}

/**
 * A first-in first-out queue of (digest, time) in blocks of fixed size: it grows by a block and shrinks by
 * dropping its first, so nothing is ever copied (a ring doubled in place copied all of it at once).
 */
class BlockQueue {
  private static readonly BLOCK = 16_384;
  private readonly blocks: { hi: Uint32Array; lo: Uint32Array; until: Float64Array }[] = [];
  /** Next to read in the first block, and next to write in the last. */
  private front = 0;
  private back = BlockQueue.BLOCK;
  length = 0;

  push(hi: number, lo: number, until: number): void {
    if (this.back === BlockQueue.BLOCK) {
      this.blocks.push({ hi: new Uint32Array(BlockQueue.BLOCK), lo: new Uint32Array(BlockQueue.BLOCK), until: new Float64Array(BlockQueue.BLOCK) });
      this.back = 0;
    }
    const block = this.blocks[this.blocks.length - 1]!;
    block.hi[this.back] = hi;
    block.lo[this.back] = lo;
    block.until[this.back] = until;
    this.back++;
    this.length++;
  }

  hiAtFront(): number {
    return this.blocks[0]!.hi[this.front]!;
  }

  loAtFront(): number {
    return this.blocks[0]!.lo[this.front]!;
  }

  untilAtFront(): number {
    return this.blocks[0]!.until[this.front]!;
  }

  shift(): void {
    this.front++;
    this.length--;
    if (this.length === 0) {
      // Empty: keep the last block for the next push, from its start.
      this.blocks.splice(0, this.blocks.length - 1);
      this.front = 0;
      this.back = 0;
    } else if (this.front === BlockQueue.BLOCK) {
      this.blocks.shift();
      this.front = 0;
    }
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

/** The digest the window keeps `id` under, as two unsigned 32-bit halves written to `into` at `at`, `at + 1`. */
export function nonceDigest(id: string, into: Uint32Array, at: number): void {
  digest(id);
  into[at] = scratchHi;
  into[at + 1] = scratchLo;
}
