// Replaces kafkajs' protocol/requests/produce/v3/request.js (v4 to v7 are it with another version
// number), which encodes a produce request. kafkajs spreads every message into a new object before
// encoding it, and its record encoder zero-fills a fixed-size buffer per record and builds each
// varint through an array, a Buffer and 64-bit `Long` arithmetic: most of what a message costs a
// producer. This one builds each record from the message's fields into one exactly sized buffer,
// and writes the same bytes; records with headers, or deltas past 32 bits, are left to kafkajs'
// own record encoder.
import { createRequire } from "node:module";
import type { Replacement } from "./replacement";

const require = createRequire(import.meta.url);

export type RecordFields = {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, unknown>;
};
/** kafkajs' record encoder (protocol/recordBatch/record/v0): what a RecordBatch reads of it. */
export type RecordEncoder = (fields: RecordFields) => { buf: Buffer; buffer: Buffer };

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

/** One record of a produce request in one exactly sized buffer, or kafkajs' encoder's where it must decide. */
export function leanEncodeRecord(kafkajs: RecordEncoder): RecordEncoder {
  return (fields) => {
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
      return kafkajs(fields);
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
  };
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
export type ProduceRequestV3 = (args: ProduceRequestArgs) => ProduceRequest;

/** kafkajs' produce request v3, building each record from the message's fields. */
export function leanProduceRequestV3(): ProduceRequestV3 {
  const Long = require("kafkajs/src/utils/long") as { fromInt(n: number): unknown };
  const Encoder = require("kafkajs/src/protocol/encoder") as new () => KafkajsEncoder;
  const apiKey = (require("kafkajs/src/protocol/requests/apiKeys") as { Produce: number }).Produce;
  const none = (require("kafkajs/src/protocol/message/compression") as { Types: { None: number } }).Types.None;
  const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0") as {
    RecordBatch(args: Record<string, unknown>): Promise<KafkajsEncoder>;
  };
  const encodeRecord = leanEncodeRecord(require("kafkajs/src/protocol/recordBatch/record/v0"));

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
  }) => ({
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

const REQUESTS = "kafkajs/src/protocol/requests/produce";

export const produceRequest: Replacement = {
  module: `${REQUESTS}/v3/request.js`,
  // v6 and v7 build on v5.
  users: [`${REQUESTS}/v4/request.js`, `${REQUESTS}/v5/request.js`],
  create: () => leanProduceRequestV3(),
};
