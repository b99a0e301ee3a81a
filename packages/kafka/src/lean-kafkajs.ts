// Leaner versions of five kafkajs (2.2.4, pinned) internals that cost the aggregator a third of
// its main thread at 10⁵ records/s, installed in place of kafkajs' own:
// - the fetch decoder: kafkajs decodes every record through a Decoder object, 64-bit `Long`
//   (BigInt) arithmetic for its offset and timestamp (then printed as strings, which their
//   users parse back), and a spread per record batch;
// - the consumer's Batch, which parsed each record's offset back into a BigInt to compare it
//   with the fetched offset;
// - the producer's grouping of messages by partition, which copied a partition's array for every
//   message (quadratic: 20,000 counts of a final minute were 17 million element copies);
// - the producer's record encoder, which zero-filled a 512-byte buffer per record and built each
//   varint through an array, a Buffer and 64-bit Long arithmetic;
// - the produce request, which spread every message into a new object before encoding it (that
//   alone cost 3.7 of the 5 µs a message took to encode).
// Same results out (records with their fields, order, control and transaction markers, partial
// batches at the end of a response; the same groups; the same bytes), tested against kafkajs' own.
//
// Installed by replacing modules in Node's CommonJS cache: the fetch decoder and the produce
// request are loaded lazily by kafkajs (at its first fetch or produce), Batch and the grouping
// when kafkajs itself is first loaded, so this module must be evaluated before that (it is the
// first import of client.ts).
import { createRequire } from "node:module";

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

type Codec = { decompress(buffer: Buffer): Promise<Buffer> };
type KafkajsDecoder = { readInt32(): number; canReadBytes(n: number): boolean; readBytes(n: number): Buffer };

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
const EXACT_LIMIT = 2 ** 53 - 2 ** 32;

let installed = false;
let kafkajsLoadedLate = true;
let originalGrouping: typeof groupMessagesPerPartition | undefined;
let originalRecord: RecordEncoder | undefined;
let originalProduceRequest: ((args: ProduceRequestArgs) => ProduceRequest) | undefined;
let originalDecodeMessages: ((decoder: KafkajsDecoder) => Promise<unknown[]>) | undefined;
let lookupCodecByAttributes: (attributes: number) => Codec | null = () => null;

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
async function decodeBatch(batch: Buffer, baseOffset: number, out: DecodedRecord[]): Promise<boolean> {
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
  const codec = lookupCodecByAttributes(attributes);
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

/** kafkajs' `decodeMessages(decoder)` for fetch v4+: every record of a partition's record set. */
export async function decodeMessages(decoder: KafkajsDecoder): Promise<unknown[]> {
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
    if (!(await decodeBatch(batch, baseOffset, out))) return legacy(buf);
    pos += 12 + length;
  }
  return out;
}

function legacy(buf: Buffer): Promise<unknown[]> {
  const Decoder = require("kafkajs/src/protocol/decoder") as new (b: Buffer) => KafkajsDecoder;
  const framed = Buffer.alloc(4 + buf.length);
  framed.writeInt32BE(buf.length, 0);
  buf.copy(framed, 4);
  return originalDecodeMessages!(new Decoder(framed));
}

type Long = { gte(o: Long): boolean; add(n: number | Long): Long; multiply(n: number): Long; toString(): string };
type LongClass = { fromValue(v: string | number): Long };

/** kafkajs' consumer Batch, comparing offsets as numbers instead of BigInts per message. */
function leanBatchClass(Long: LongClass, filterAbortedMessages: (a: unknown) => DecodedRecord[]) {
  return class Batch {
    fetchedOffset: string;
    topic: string;
    partition: number;
    highWatermark: string;
    rawMessages: DecodedRecord[];
    messagesWithinOffset: DecodedRecord[];
    messages: DecodedRecord[];

    constructor(
      topic: string,
      fetchedOffset: string,
      partitionData: {
        partition: number;
        highWatermark: string;
        messages: DecodedRecord[];
        abortedTransactions: unknown[];
      },
    ) {
      this.fetchedOffset = fetchedOffset;
      const { abortedTransactions, messages } = partitionData;
      this.topic = topic;
      this.partition = partitionData.partition;
      this.highWatermark = partitionData.highWatermark;
      this.rawMessages = messages;
      const from = Number(fetchedOffset);
      if (from < EXACT_LIMIT) {
        let skip = 0;
        while (skip < messages.length && offsetOf(messages[skip]!) < from) skip++;
        this.messagesWithinOffset = skip === 0 ? messages : messages.slice(skip);
      } else {
        const longFrom = Long.fromValue(fetchedOffset);
        this.messagesWithinOffset = messages.filter((m) => Long.fromValue(m.offset).gte(longFrom));
      }
      const kept = filterAbortedMessages({ messages: this.messagesWithinOffset, abortedTransactions });
      this.messages = kept.some((m) => m.isControlRecord) ? kept.filter((m) => !m.isControlRecord) : kept;
    }

    isEmpty() {
      return this.messages.length === 0;
    }

    isEmptyIncludingFiltered() {
      return this.messagesWithinOffset.length === 0;
    }

    isEmptyDueToFiltering() {
      return this.isEmpty() && this.rawMessages.length > 0;
    }

    isEmptyControlRecord() {
      return this.isEmpty() && this.messagesWithinOffset.some(({ isControlRecord }) => isControlRecord);
    }

    isEmptyDueToLogCompactedMessages() {
      return this.rawMessages.length > 0 && this.isEmptyIncludingFiltered();
    }

    firstOffset() {
      return this.isEmptyIncludingFiltered() ? null : this.messagesWithinOffset[0]!.offset;
    }

    lastOffset() {
      if (this.isEmptyDueToLogCompactedMessages()) return this.fetchedOffset;
      if (this.isEmptyIncludingFiltered()) return Long.fromValue(this.highWatermark).add(-1).toString();
      return this.messagesWithinOffset[this.messagesWithinOffset.length - 1]!.offset;
    }

    offsetLag() {
      const last = Long.fromValue(this.highWatermark).add(-1);
      return last.add(Long.fromValue(this.lastOffset()).multiply(-1)).toString();
    }

    offsetLagLow() {
      if (this.isEmptyIncludingFiltered()) return "0";
      const last = Long.fromValue(this.highWatermark).add(-1);
      return last.add(Long.fromValue(this.firstOffset() ?? "0").multiply(-1)).toString();
    }
  };
}

type Partitioner = (args: { topic: string; partitionMetadata: unknown[]; message: unknown }) => number;

/** kafkajs' groupMessagesPerPartition, in one pass: the same object of arrays, in message order. */
export function groupMessagesPerPartition({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: {
  topic: string;
  partitionMetadata: unknown[];
  messages: unknown[];
  partitioner: Partitioner;
}): Record<number, unknown[]> {
  const result: Record<number, unknown[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const group = result[partition];
    if (group) group.push(message);
    else result[partition] = [message];
  }
  return result;
}

type RecordFields = {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, unknown>;
};
type RecordEncoder = (fields: RecordFields) => { buf: Buffer; buffer: Buffer };

function sizeOfUVarInt(v: number): number {
  let bytes = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    bytes++;
  }
  return bytes;
}

function writeUVarInt(buf: Buffer, at: number, v: number): number {
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

/** Zig-zag of a 32-bit integer, as an unsigned 32-bit value. */
const zigZag = (v: number) => ((v << 1) ^ (v >> 31)) >>> 0;

/** A key or value this encoder writes itself (at module level: a closure per record was a cost). */
const plain = (x: unknown) => x == null || typeof x === "string" || Buffer.isBuffer(x);

/**
 * One record of a produce request (kafkajs' record/v0 encoder), in one exactly sized buffer.
 * Records with headers, or deltas past 32 bits, are left to kafkajs' own.
 */
export function encodeRecord(fields: RecordFields): { buf: Buffer; buffer: Buffer } {
  const { offsetDelta = 0, timestampDelta = 0, key, value, headers } = fields;
  if (
    (headers && Object.keys(headers).length > 0) ||
    !plain(key) ||
    !plain(value) ||
    !Number.isInteger(timestampDelta) ||
    Math.abs(timestampDelta) >= 2 ** 30 ||
    !Number.isInteger(offsetDelta) ||
    Math.abs(offsetDelta) >= 2 ** 30
  ) {
    return originalRecord!(fields);
  }
  const keyLength = key == null ? -1 : typeof key === "string" ? Buffer.byteLength(key) : key.length;
  const valueLength = value == null ? -1 : typeof value === "string" ? Buffer.byteLength(value) : value.length;
  const ts = zigZag(timestampDelta);
  const od = zigZag(offsetDelta);
  const kl = zigZag(keyLength);
  const vl = zigZag(valueLength);
  const body =
    1 +
    sizeOfUVarInt(ts) +
    sizeOfUVarInt(od) +
    sizeOfUVarInt(kl) +
    Math.max(0, keyLength) +
    sizeOfUVarInt(vl) +
    Math.max(0, valueLength) +
    1; // no headers: varint 0
  const buf = Buffer.allocUnsafe(sizeOfUVarInt(zigZag(body)) + body);
  let at = writeUVarInt(buf, 0, zigZag(body));
  buf[at++] = 0; // attributes
  at = writeUVarInt(buf, at, ts);
  at = writeUVarInt(buf, at, od);
  at = writeUVarInt(buf, at, kl);
  if (typeof key === "string") at += buf.write(key, at, "utf8");
  else if (key) at += key.copy(buf, at);
  at = writeUVarInt(buf, at, vl);
  if (typeof value === "string") at += buf.write(value, at, "utf8");
  else if (value) at += value.copy(buf, at);
  buf[at] = 0;
  // What kafkajs reads of a record's Encoder: `buf` (to know it is one) and `buffer`.
  return { buf, buffer: buf };
}

type ProduceMessage = Pick<RecordFields, "key" | "value" | "headers"> & { timestamp?: number | string };
type KafkajsEncoder = {
  buffer: Buffer;
  size(): number;
  writeString(s: string | null): KafkajsEncoder;
  writeInt16(n: number): KafkajsEncoder;
  writeInt32(n: number): KafkajsEncoder;
  writeArray(a: unknown[]): KafkajsEncoder;
  writeEncoder(e: unknown): KafkajsEncoder;
};
type ProduceTopic = {
  topic: string;
  partitions: { partition: number; firstSequence?: number; messages: ProduceMessage[] }[];
};
type ProduceRequest = {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse(): boolean;
  encode(): Promise<KafkajsEncoder>;
};
type ProduceRequestArgs = {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: ProduceTopic[];
};

/**
 * kafkajs' produce request v3 (v4 to v7 are it with another version number), building each
 * record from the message's fields: kafkajs spread every message into a new object first, which
 * cost twice the rest of the record's encoding. The same bytes, tested.
 */
function leanProduceRequestV3() {
  const Long = require("kafkajs/src/utils/long") as { fromInt(n: number): unknown };
  const Encoder = require("kafkajs/src/protocol/encoder") as new () => KafkajsEncoder;
  const apiKey = (require("kafkajs/src/protocol/requests/apiKeys") as { Produce: number }).Produce;
  const none = (require("kafkajs/src/protocol/message/compression") as { Types: { None: number } }).Types.None;
  const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0") as {
    RecordBatch(args: Record<string, unknown>): Promise<KafkajsEncoder>;
  };

  async function encodePartition(
    { partition, messages, firstSequence }: ProduceTopic["partitions"][number],
    { compression, transactionalId, producerId, producerEpoch }: Required<Omit<ProduceRequestArgs, "topicData">>,
  ): Promise<KafkajsEncoder> {
    const dateNow = Date.now();
    // As kafkajs: the default sort (as strings) picks the first and the max timestamp.
    const stamps = messages.map((m) => m.timestamp).filter((t) => t != null);
    stamps.sort();
    const first = stamps.length === 0 ? dateNow : stamps[0]!;
    const max = stamps.length === 0 ? dateNow : stamps[stamps.length - 1]!;
    const records = new Array<{ buf: Buffer; buffer: Buffer }>(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      records[i] = encodeRecord({
        key: m.key,
        value: m.value,
        headers: m.headers,
        offsetDelta: i,
        timestampDelta: ((m.timestamp || dateNow) as number) - (first as number),
      });
    }
    const batch = await RecordBatch({
      compression,
      records,
      firstTimestamp: first,
      maxTimestamp: max,
      producerId,
      producerEpoch,
      firstSequence,
      transactional: !!transactionalId,
      lastOffsetDelta: records.length - 1,
    });
    return new Encoder().writeInt32(partition).writeInt32(batch.size()).writeEncoder(batch);
  }

  return ({
    acks,
    timeout,
    transactionalId = null,
    producerId = Long.fromInt(-1),
    producerEpoch = 0,
    compression = none,
    topicData,
  }: ProduceRequestArgs): ProduceRequest => ({
    apiKey,
    apiVersion: 3,
    apiName: "Produce",
    expectResponse: () => acks !== 0,
    encode: async () => {
      const producer = { acks, timeout, transactionalId, producerId, producerEpoch, compression };
      const topics: KafkajsEncoder[] = [];
      for (const { topic, partitions } of topicData) {
        const encoded: KafkajsEncoder[] = [];
        for (const p of partitions) encoded.push(await encodePartition(p, producer));
        topics.push(new Encoder().writeString(topic).writeArray(encoded));
      }
      return new Encoder().writeString(transactionalId).writeInt16(acks).writeInt32(timeout).writeArray(topics);
    },
  });
}

/** Replaces a cached module's exports, loading kafkajs' own first (returned). */
function replace<T>(path: string, lean: T): T {
  const resolved = require.resolve(path);
  const original = require(resolved) as T;
  const cached = require.cache[resolved];
  if (cached) cached.exports = lean;
  return original;
}

/**
 * Puts the lean versions in place (Batch and the grouping only if kafkajs is not loaded yet: its
 * modules hold their own references to them). Returns what was replaced, for the tests.
 */
export function installLeanKafkajs(): { batch: boolean; grouping: boolean } {
  if (!installed) {
    installed = true;
    lookupCodecByAttributes = require("kafkajs/src/protocol/message/compression").lookupCodecByAttributes;
    originalDecodeMessages = replace("kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js", decodeMessages);
    originalRecord = replace<RecordEncoder>("kafkajs/src/protocol/recordBatch/record/v0/index.js", encodeRecord);
    // Loaded lazily by kafkajs (at the first produce request), as are v4-v7, which build on it.
    originalProduceRequest = replace("kafkajs/src/protocol/requests/produce/v3/request.js", leanProduceRequestV3());
    // Not kafkajs' index (Node's ESM loader lists it before running it) but the modules that
    // hold references to Batch and the grouping.
    const users = ["kafkajs/src/consumer/consumerGroup.js", "kafkajs/src/producer/sendMessages.js"];
    if (users.every((u) => require.cache[require.resolve(u)] === undefined)) {
      replace(
        "kafkajs/src/consumer/batch.js",
        leanBatchClass(require("kafkajs/src/utils/long"), require("kafkajs/src/consumer/filterAbortedMessages")),
      );
      originalGrouping = replace("kafkajs/src/producer/groupMessagesPerPartition.js", groupMessagesPerPartition);
      kafkajsLoadedLate = false;
    }
  }
  return { batch: !kafkajsLoadedLate, grouping: !kafkajsLoadedLate };
}

/** kafkajs' own versions, for tests comparing both. */
export function kafkajsOriginals() {
  installLeanKafkajs();
  return {
    decodeMessages: originalDecodeMessages!,
    groupMessagesPerPartition: originalGrouping,
    encodeRecord: originalRecord!,
    produceRequest: originalProduceRequest!,
  };
}

installLeanKafkajs();
