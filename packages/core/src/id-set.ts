// A compact hash set of 128-bit ids (UUIDs) in typed arrays, each id tagged with the event-time
// minute it was seen in: 18 bytes a slot, 24-36 an id, against ~150 for a Map of strings, so
// millions of dedup marks fit in a worker's memory. Ids of minutes before a floor count as gone
// without being touched (whole minutes expire at once); they are swept out when the table grows,
// and at the latest every SWEEP_MINUTES, so that a 16-bit minute tag never comes round again.

const EMPTY = 0;
/** Minute tags are minute numbers modulo TAG_RANGE, plus 1 (0 is a free slot). */
const TAG_RANGE = 65_535;
/**
 * The floor never moves more than this past the last sweep, so a held id's minute is at most
 * SWEEP_MINUTES before the floor, and at most LIVE_SPAN after it (a horizon ahead of the floor):
 * the two ranges do not meet modulo TAG_RANGE, and the tag tells which one a minute is in.
 */
const SWEEP_MINUTES = 30_000;
export const LIVE_SPAN = TAG_RANGE - SWEEP_MINUTES - 1;

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

/**
 * The minute of a (non-empty) tag, given a reference minute no more than SWEEP_MINUTES after it
 * and no more than LIVE_SPAN before it.
 */
function minuteOfTag(tag: number, reference: number): number {
  const d = (tag - 1 - (reference % TAG_RANGE) + TAG_RANGE) % TAG_RANGE;
  return reference + (d <= LIVE_SPAN ? d : d - TAG_RANGE);
}

export class ExpiringIdSet {
  private keys: Uint32Array;
  /** Minute tag of each slot's id (see TAG_RANGE); EMPTY for a free slot. */
  private tags: Uint16Array;
  /** Slot of a hash: hash × slots / 2³² (any table size, so it can grow by half rather than double). */
  private scale: number;
  /** Slots holding an id, expired ones included (they keep probe chains intact until a sweep). */
  private occupied = 0;
  /** The floor of the last sweep, and of the last call: tags decode against it (minuteOfTag). */
  private sweptAt = 0;
  private floor = 0;

  constructor(initialCapacity = 1024) {
    const slots = Math.max(16, initialCapacity * 2);
    this.keys = new Uint32Array(slots * 4);
    this.tags = new Uint16Array(slots);
    this.scale = slots / 2 ** 32;
  }

  get bytes(): number {
    return this.keys.byteLength + this.tags.byteLength;
  }

  /**
   * Whether the id is held with a minute at or after `floor` (minute numbers: epoch ms / 60 000).
   * If not, and `minute` is at or after the floor, it is added with that minute.
   */
  seenOrAdd(w: Uint32Array, minute: number, floor: number): boolean {
    // A floor far past the last sweep (an idle partition come back): tags decode against the
    // previous floor, for which they are still unambiguous.
    if (floor - this.sweptAt > SWEEP_MINUTES) this.rebuild(floor, this.floor);
    this.floor = floor;
    const a = w[0]!;
    const b = w[1]!;
    const c = w[2]!;
    const d = w[3]!;
    const keys = this.keys;
    const tags = this.tags;
    // minuteOfTag(t, floor) < floor, with the floor's tag computed once.
    const floorTag = floor % TAG_RANGE;
    const slots = tags.length;
    let i = Math.floor(mix(a, b, c, d) * this.scale);
    let reuse = -1;
    for (;;) {
      const t = tags[i]!;
      if (t === EMPTY) break;
      const k = i * 4;
      if ((t - 1 - floorTag + TAG_RANGE) % TAG_RANGE > LIVE_SPAN) {
        if (reuse < 0) reuse = i;
      } else if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) {
        return true;
      }
      if (++i === slots) i = 0;
    }
    if (minute < floor) return false;
    if (reuse < 0) {
      if ((this.occupied + 1) * 4 > tags.length * 3) {
        this.rebuild(floor, floor);
        return this.seenOrAdd(w, minute, floor);
      }
      reuse = i;
      this.occupied++;
    }
    keys[reuse * 4] = a;
    keys[reuse * 4 + 1] = b;
    keys[reuse * 4 + 2] = c;
    keys[reuse * 4 + 3] = d;
    tags[reuse] = (minute % TAG_RANGE) + 1;
    return false;
  }

  /**
   * Drops ids of minutes before `floor` (tags decoded against `reference`); grows the table by
   * half while the live ones would fill more than 55 % of it (growing by half, not doubling,
   * keeps it 50-75 % full as it grows: a third less memory at its worst).
   */
  private rebuild(floor: number, reference: number): void {
    const oldKeys = this.keys;
    const oldTags = this.tags;
    const isLive = (t: number) => t !== EMPTY && minuteOfTag(t, reference) >= floor;
    let count = 0;
    for (const t of oldTags) if (isLive(t)) count++;
    let slots = oldTags.length;
    while (count > slots * 0.55) slots = Math.ceil(slots * 1.5);
    this.keys = new Uint32Array(slots * 4);
    this.tags = new Uint16Array(slots);
    this.scale = slots / 2 ** 32;
    this.occupied = 0;
    this.sweptAt = floor;
    for (let j = 0; j < oldTags.length; j++) {
      const t = oldTags[j]!;
      if (!isLive(t)) continue;
      const a = oldKeys[j * 4]!;
      const b = oldKeys[j * 4 + 1]!;
      const c = oldKeys[j * 4 + 2]!;
      const d = oldKeys[j * 4 + 3]!;
      let i = Math.floor(mix(a, b, c, d) * this.scale);
      while (this.tags[i] !== EMPTY) if (++i === slots) i = 0;
      // Word by word: a subarray per id would be an object per id.
      this.keys[i * 4] = a;
      this.keys[i * 4 + 1] = b;
      this.keys[i * 4 + 2] = c;
      this.keys[i * 4 + 3] = d;
      this.tags[i] = t;
      this.occupied++;
    }
    release(oldKeys.buffer);
    release(oldTags.buffer);
  }
}

/**
 * Gives a dropped table's memory back now rather than at the next full GC, which can be far off:
 * the tables live in the old generation, and partitions grow theirs at about the same time
 * (ArrayBuffer.prototype.transfer: Node 22, or 20 with --harmony-rab-gsab-transfer).
 */
function release(buffer: ArrayBufferLike): void {
  (buffer as { transfer?: (length: number) => unknown }).transfer?.(0);
}
