// Replaces kafkajs' protocol/requests/fetch/v4/decodeMessages.js (used by fetch v4 to v11), which
// turns a partition's record set into records. kafkajs decodes each record through a Decoder
// object with 64-bit `Long` arithmetic for its offset and timestamp, prints both as strings (which
// their readers parse back) and spreads every record batch into the result: together the largest
// cost on the aggregator's main thread. This one reads the buffer directly, keeps offsets and
// timestamps as numbers, and gives the same records (fields, order, control and transaction
// markers, a batch cut off at the end of a response); past what a double holds exactly, and for
// legacy message sets, it leaves the set to kafkajs.
import { createRequire } from "node:module";
import type { Replacement } from "./replacement";

const require = createRequire(import.meta.url);

/** A record as kafkajs' consumer hands it out (its `KafkaMessage`, plus what it keeps internally). */
export interface DecodedRecord {
  magicByte: number;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
  isControlRecord: boolean;
  batchContext: Record<string, unknown>;
}

/** kafkajs' reader over a response (protocol/decoder.js), as far as decodeMessages uses it. */
export type KafkajsDecoder = { readInt32(): number; canReadBytes(n: number): boolean; readBytes(n: number): Buffer };
export type DecodeMessages = (decoder: KafkajsDecoder) => Promise<unknown[]>;
type Codec = { decompress(buffer: Buffer): Promise<Buffer> };
type LookupCodec = (attributes: number) => Codec | null;

// kafkajs' constants (protocol/requests/fetch/v4/decodeMessages.js, recordBatch/v0/decoder.js).
const MAGIC_OFFSET = 16;
const RECORD_BATCH_OVERHEAD = 49;
const MAGIC_V2 = 2;
const TIMESTAMP_TYPE_FLAG_MASK = 0x8;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;
const LOG_APPEND_TIME = 1;
const CREATE_TIME = 0;
/** Offsets and timestamps are exact as doubles below this; past it, kafkajs' decoder decides. */
export const EXACT_LIMIT = 2 ** 53 - 2 ** 32;

/**
 * A record of the lean decoder. Its offset and timestamp are numbers, given as kafkajs' strings
 * only when read (prototype getters: not own properties): printing two 13-digit numbers per
 * record cost more than decoding it, and the aggregator reads the numbers (`offsetOf`,
 * `timestampOf`) without any string.
 */
class LeanRecord implements DecodedRecord {
  constructor(
    readonly attributes: number,
    readonly offsetValue: number,
    readonly timestampValue: number,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    readonly headers: DecodedRecord["headers"],
    readonly isControlRecord: boolean,
    readonly batchContext: Record<string, unknown>,
  ) {}

  get magicByte(): number {
    return MAGIC_V2;
  }

  get offset(): string {
    return String(this.offsetValue);
  }

  get timestamp(): string {
    return String(this.timestampValue);
  }
}

/** A consumed message's offset as a number (without a string, for the lean decoder's records). */
export function offsetOf(m: { offset: string }): number {
  return m instanceof LeanRecord ? m.offsetValue : Number(m.offset);
}

/** A consumed message's timestamp (epoch ms) as a number. */
export function timestampOf(m: { timestamp: string }): number {
  return m instanceof LeanRecord ? m.timestampValue : Number(m.timestamp);
}

/** Reader state over one buffer: the position advances as fields are read. */
class Cursor {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
  }

  /** A zig-zag varint (int32), as kafkajs' `readVarInt`. */
  varInt(): number {
    const buf = this.buf;
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = buf[this.pos++]!;
      result += (byte & 0x7f) << shift;
      shift += 7;
    } while (byte >= 0x80);
    return (result >>> 1) ^ -(result & 1);
  }

  /** A zig-zag varlong as a double: exact for the deltas of real batches (|x| < 2⁵³). */
  varLong(): number {
    const buf = this.buf;
    let result = 0;
    let scale = 1;
    let byte: number;
    do {
      if (scale > 2 ** 63) throw new Error("Invalid Long, must contain 9 bytes or less");
      byte = buf[this.pos++]!;
      result += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte >= 0x80);
    // Zig-zag: even → x/2, odd → -(x+1)/2.
    return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  }

  bytes(): Buffer | null {
    const length = this.varInt();
    if (length === -1) return null;
    const b = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return b;
  }
}

function int64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4);
}

/** The headers of a record without any: one object for all of them (nobody writes to it). */
const NO_HEADERS: DecodedRecord["headers"] = Object.freeze({});

function decodeHeaders(c: Cursor): DecodedRecord["headers"] {
  const count = c.varInt();
  if (count <= 0) return NO_HEADERS;
  const headers: DecodedRecord["headers"] = {};
  for (let i = 0; i < count; i++) {
    const key = c.bytes()?.toString("utf8") ?? "null";
    const value = c.bytes();
    const prev = headers[key];
    headers[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return headers;
}

/** The records of one record batch (v2), appended to `out`; false if kafkajs must decide. */
async function decodeBatch(
  batch: Buffer,
  baseOffset: number,
  out: DecodedRecord[],
  lookupCodec: LookupCodec,
): Promise<boolean> {
  const attributes = batch.readInt16BE(9);
  const lastOffsetDelta = batch.readInt32BE(11);
  const firstTimestampN = int64(batch, 15);
  const maxTimestampN = int64(batch, 23);
  if (
    baseOffset + Math.max(0, lastOffsetDelta) >= EXACT_LIMIT ||
    Math.abs(firstTimestampN) >= EXACT_LIMIT ||
    Math.abs(maxTimestampN) >= EXACT_LIMIT
  ) {
    return false;
  }
  const timestampType = (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0 ? LOG_APPEND_TIME : CREATE_TIME;
  const maxTimestamp = String(maxTimestampN);
  const isControlBatch = (attributes & CONTROL_FLAG_MASK) > 0;
  // Field for field what kafkajs puts in a record's batchContext.
  const batchContext = {
    firstOffset: String(baseOffset),
    firstTimestamp: String(firstTimestampN),
    partitionLeaderEpoch: batch.readInt32BE(0),
    inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
    isControlBatch,
    lastOffsetDelta,
    producerId: batch.readBigInt64BE(31).toString(),
    producerEpoch: batch.readInt16BE(39),
    firstSequence: batch.readInt32BE(41),
    maxTimestamp,
    timestampType,
    magicByte: MAGIC_V2,
  };
  const count = batch.readInt32BE(45);
  if (count <= 0) return true;
  const codec = lookupCodec(attributes);
  const records = codec ? await codec.decompress(batch.subarray(49)) : batch;
  const c = new Cursor(records, codec ? 0 : 49);
  const appendTime = timestampType === LOG_APPEND_TIME;
  for (let i = 0; i < count; i++) {
    const length = c.varInt();
    const end = c.pos + length;
    const recordAttributes = records.readInt8(c.pos++);
    const timestampDelta = c.varLong();
    const offsetDelta = c.varInt();
    const key = c.bytes();
    const value = c.bytes();
    out.push(
      new LeanRecord(
        recordAttributes,
        baseOffset + offsetDelta,
        appendTime ? maxTimestampN : firstTimestampN + timestampDelta,
        key,
        value,
        decodeHeaders(c),
        isControlBatch,
        batchContext,
      ),
    );
    c.pos = end;
  }
  return true;
}

/** kafkajs' `decodeMessages(decoder)` for fetch v4+, falling back to `kafkajs` where it must decide. */
export function leanDecodeMessages(kafkajs: DecodeMessages): DecodeMessages {
  const Decoder = require("kafkajs/src/protocol/decoder") as new (b: Buffer) => KafkajsDecoder;
  // Read at every batch: codecs are registered after this is built (codecs.ts).
  const { lookupCodecByAttributes } = require("kafkajs/src/protocol/message/compression") as {
    lookupCodecByAttributes: LookupCodec;
  };

  function legacy(buf: Buffer): Promise<unknown[]> {
    const framed = Buffer.alloc(4 + buf.length);
    framed.writeInt32BE(buf.length, 0);
    buf.copy(framed, 4);
    return kafkajs(new Decoder(framed));
  }

  return async (decoder) => {
    const size = decoder.readInt32();
    if (size <= 0 || !decoder.canReadBytes(size)) return [];
    const buf = decoder.readBytes(size);
    // Legacy message sets (magic 0/1) are rare enough to leave to kafkajs.
    if (buf.length <= MAGIC_OFFSET || buf.readInt8(MAGIC_OFFSET) !== MAGIC_V2) return legacy(buf);
    const out: DecodedRecord[] = [];
    let pos = 0;
    while (buf.length - pos >= RECORD_BATCH_OVERHEAD) {
      const baseOffset = int64(buf, pos);
      const length = buf.readInt32BE(pos + 8);
      // A record batch cut off by the fetch's byte limit ends the set (kafkajs does the same).
      if (buf.length - (pos + 12) < length) break;
      const batch = buf.subarray(pos + 12, pos + 12 + length);
      if (!(await decodeBatch(batch, baseOffset, out, lookupCodecByAttributes))) return legacy(buf);
      pos += 12 + length;
    }
    return out;
  };
}

const RESPONSES = "kafkajs/src/protocol/requests/fetch";

export const fetchDecodeMessages: Replacement = {
  module: `${RESPONSES}/v4/decodeMessages.js`,
  // v6, v9 and v10 build on v5 and v8.
  users: [4, 5, 7, 8, 11].map((v) => `${RESPONSES}/v${v}/response.js`),
  create: (original) => leanDecodeMessages(original as DecodeMessages),
};
