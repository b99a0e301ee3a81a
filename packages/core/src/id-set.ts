// A compact hash set of 128-bit ids (UUIDs) in typed arrays, each id tagged with the event-time
// minute it was seen in: 20 bytes a slot, 27-53 an id, against ~150 for a Map of strings, so
// millions of dedup marks fit in a worker's memory. Ids of minutes before a floor count as gone
// without being touched (whole minutes expire at once); they are swept out when the table grows.

const EMPTY = 0;

/** Parses a (validated) UUID into four 32-bit words; dashes and case are ignored. */
export function uuidWords(id: string, out: Uint32Array): void {
  const hex =
    id.length === 36 ? id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24) : id;
  out[0] = Number.parseInt(hex.slice(0, 8), 16);
  out[1] = Number.parseInt(hex.slice(8, 16), 16);
  out[2] = Number.parseInt(hex.slice(16, 24), 16);
  out[3] = Number.parseInt(hex.slice(24, 32), 16);
}

function mix(a: number, b: number, c: number, d: number): number {
  // murmur3 finalizer over a combination of the words: UUIDs need not be random (v7, v1).
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) ^ Math.imul(c ^ (d >>> 7), 0xc2b2ae35) ^ d;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class ExpiringIdSet {
  private keys: Uint32Array;
  /** Minute number + 1 of each slot's id; EMPTY for a free slot. */
  private minutes: Uint32Array;
  private mask: number;
  /** Slots holding an id, expired ones included (they keep probe chains intact until a sweep). */
  private occupied = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.keys = new Uint32Array(cap * 4);
    this.minutes = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  get bytes(): number {
    return this.keys.byteLength + this.minutes.byteLength;
  }

  /**
   * Whether the id is held with a minute at or after `floor` (minute numbers: epoch ms / 60 000).
   * If not, and `minute` is at or after the floor, it is added with that minute.
   */
  seenOrAdd(w: Uint32Array, minute: number, floor: number): boolean {
    const a = w[0]!;
    const b = w[1]!;
    const c = w[2]!;
    const d = w[3]!;
    const keys = this.keys;
    const minutes = this.minutes;
    let i = mix(a, b, c, d) & this.mask;
    let reuse = -1;
    for (;;) {
      const m = minutes[i]!;
      if (m === EMPTY) break;
      const k = i * 4;
      if (m - 1 < floor) {
        if (reuse < 0) reuse = i;
      } else if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) {
        return true;
      }
      i = (i + 1) & this.mask;
    }
    if (minute < floor) return false;
    if (reuse < 0) {
      if ((this.occupied + 1) * 4 > minutes.length * 3) {
        this.rebuild(floor);
        return this.seenOrAdd(w, minute, floor);
      }
      reuse = i;
      this.occupied++;
    }
    keys[reuse * 4] = a;
    keys[reuse * 4 + 1] = b;
    keys[reuse * 4 + 2] = c;
    keys[reuse * 4 + 3] = d;
    minutes[reuse] = minute + 1;
    return false;
  }

  /** Drops expired ids; doubles the table when the live ones alone would fill half of it. */
  private rebuild(floor: number): void {
    const oldKeys = this.keys;
    const oldMinutes = this.minutes;
    let live = 0;
    for (const m of oldMinutes) if (m !== EMPTY && m - 1 >= floor) live++;
    let cap = oldMinutes.length;
    while ((live + 1) * 2 > cap) cap *= 2;
    this.keys = new Uint32Array(cap * 4);
    this.minutes = new Uint32Array(cap);
    this.mask = cap - 1;
    this.occupied = 0;
    for (let j = 0; j < oldMinutes.length; j++) {
      const m = oldMinutes[j]!;
      if (m === EMPTY || m - 1 < floor) continue;
      let i = mix(oldKeys[j * 4]!, oldKeys[j * 4 + 1]!, oldKeys[j * 4 + 2]!, oldKeys[j * 4 + 3]!) & this.mask;
      while (this.minutes[i] !== EMPTY) i = (i + 1) & this.mask;
      this.keys.set(oldKeys.subarray(j * 4, j * 4 + 4), i * 4);
      this.minutes[i] = m;
      this.occupied++;
    }
  }
}
