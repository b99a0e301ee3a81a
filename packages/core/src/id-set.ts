// A compact hash set of 128-bit ids (UUIDs) in typed arrays: ~40 bytes an id at worst load,
// against ~150 for a Map of strings, so millions of dedup marks fit in a worker's memory.

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

export class IdSet {
  private keys: Uint32Array;
  private used: Uint8Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.keys = new Uint32Array(cap * 4);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.keys.byteLength + this.used.byteLength;
  }

  has(w: Uint32Array): boolean {
    return this.used[this.slot(w)] !== EMPTY;
  }

  /** Adds the id; returns false if it was already present. */
  add(w: Uint32Array): boolean {
    if ((this.count + 1) * 4 > this.used.length * 3) this.grow();
    const i = this.slot(w);
    if (this.used[i] !== EMPTY) return false;
    this.used[i] = 1;
    this.keys.set(w, i * 4);
    this.count++;
    return true;
  }

  /** Linear probing: the slot holding the id, or the empty slot where it belongs. */
  private slot(w: Uint32Array): number {
    const a = w[0]!;
    const b = w[1]!;
    const c = w[2]!;
    const d = w[3]!;
    const keys = this.keys;
    let i = mix(a, b, c, d) & this.mask;
    while (this.used[i] !== EMPTY) {
      const k = i * 4;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) return i;
      i = (i + 1) & this.mask;
    }
    return i;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldUsed = this.used;
    const cap = oldUsed.length * 2;
    this.keys = new Uint32Array(cap * 4);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    const w = new Uint32Array(4);
    for (let i = 0; i < oldUsed.length; i++) {
      if (oldUsed[i] === EMPTY) continue;
      w.set(oldKeys.subarray(i * 4, i * 4 + 4));
      this.add(w);
    }
  }
}
