// The lean consumer internals against kafkajs' own: random record batches written by kafkajs'
// encoder (every codec it can write, headers, null keys and values, control and transactional
// batches, log-append time, offsets past 2³², a batch cut off at the end) decode to the same
// records (field by field: the lean records give offset and timestamp through getters), and the
// lean Batch keeps and drops the same messages.
import { createRequire } from "node:module";
import { describe, expect, test } from "vitest";
import { registerCodecs } from "../codecs";
import { CompressionTypes } from "../kafkajs";
import { consumerBatch } from "./consumer-batch";
import {
  type DecodedRecord,
  type DecodeMessages,
  fetchDecodeMessages,
  offsetOf,
  timestampOf,
} from "./fetch-decode-messages";
import { installLeanKafkajs, kafkajsOwn } from "./install";
import type { RecordEncoder } from "./produce-request";
import { rng, SLOW_TEST_MS } from "./testing";

const require = createRequire(import.meta.url);
installLeanKafkajs();
registerCodecs();
const decodeMessages = require(fetchDecodeMessages.module) as DecodeMessages;
const LeanBatch = require(consumerBatch.module);
const OriginalBatch = kafkajsOwn<typeof LeanBatch>(consumerBatch);
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0");
// kafkajs' own record encoder writes the batches the decoders read.
const Record = require("kafkajs/src/protocol/recordBatch/record/v0") as RecordEncoder;
const Decoder = require("kafkajs/src/protocol/decoder");
const Long = require("kafkajs/src/utils/long");

/** Every field of a record as its readers see it (the lean records' offset and timestamp are getters). */
const fields = (m: DecodedRecord) => ({
  magicByte: m.magicByte,
  attributes: m.attributes,
  timestamp: m.timestamp,
  offset: m.offset,
  key: m.key,
  value: m.value,
  headers: m.headers,
  isControlRecord: m.isControlRecord,
  batchContext: m.batchContext,
});

const ATTRIBUTES_AT = 21; // firstOffset(8) + length(4) + leaderEpoch(4) + magic(1) + crc(4)

async function randomBatch(r: () => number, firstOffset: number, count: number) {
  const firstTimestamp = 1_700_000_000_000 + Math.floor(r() * 1e9);
  const records = [];
  for (let i = 0; i < count; i++) {
    const headers: Record<string, string | string[]> = {};
    if (r() < 0.2) headers.h = `v${i}`;
    if (r() < 0.1) headers.multi = ["a", "b", `${i}`];
    records.push(
      Record({
        offsetDelta: i,
        timestampDelta: Math.floor(r() * 5_000),
        key: r() < 0.2 ? null : Buffer.from(`ad-${Math.floor(r() * 1e6)}`),
        value: r() < 0.05 ? null : Buffer.from(JSON.stringify({ i, s: "x".repeat(Math.floor(r() * 200)) })),
        headers,
      }),
    );
  }
  const codecs = [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4] as const;
  const compression = codecs[Math.floor(r() * codecs.length)];
  const encoded: Buffer = (
    await RecordBatch({
      compression,
      firstOffset: Long.fromValue(firstOffset),
      firstTimestamp,
      maxTimestamp: firstTimestamp + 5_000,
      lastOffsetDelta: count - 1,
      transactional: r() < 0.2,
      producerId: Long.fromValue(r() < 0.5 ? -1 : Math.floor(r() * 1e6)),
      records,
    })
  ).buffer;
  let attributes = encoded.readInt16BE(ATTRIBUTES_AT);
  if (r() < 0.15) attributes |= 0x08; // log-append time
  if (r() < 0.1) attributes |= 0x20; // control batch
  encoded.writeInt16BE(attributes, ATTRIBUTES_AT);
  return encoded;
}

/** A partition's record set as the fetch response frames it: int32 size, then the batches. */
function recordSet(batches: Buffer[], cut = 0): InstanceType<typeof Decoder> {
  const body = Buffer.concat(batches);
  const kept = body.subarray(0, body.length - cut);
  const framed = Buffer.alloc(4 + kept.length);
  framed.writeInt32BE(kept.length, 0);
  kept.copy(framed, 4);
  return new Decoder(framed);
}

describe("lean fetch decoder", { timeout: SLOW_TEST_MS }, () => {
  test("decodes random record sets exactly as kafkajs does", async () => {
    const original = kafkajsOwn<DecodeMessages>(fetchDecodeMessages);
    const r = rng(7);
    let decoded = 0;
    for (let round = 0; round < 60; round++) {
      const batches: Buffer[] = [];
      // Past 2³² on some rounds: the high word of the 64-bit offset matters.
      let offset = round % 3 === 0 ? 2 ** 33 + round : Math.floor(r() * 1e6);
      for (let b = 0; b < 1 + Math.floor(r() * 4); b++) {
        const count = 1 + Math.floor(r() * 50);
        batches.push(await randomBatch(r, offset, count));
        offset += count;
      }
      // Sometimes the fetch's byte limit cuts the last batch: both stop before it.
      const cut = round % 4 === 0 ? 1 + Math.floor(r() * 30) : 0;
      const lean = (await decodeMessages(recordSet(batches, cut))) as DecodedRecord[];
      const theirs = (await original(recordSet(batches, cut))) as DecodedRecord[];
      expect(lean.map(fields)).toEqual(theirs.map(fields));
      // The numbers the aggregator reads are the strings' numbers.
      expect(lean.map((m) => [offsetOf(m), timestampOf(m)])).toEqual(
        theirs.map((m) => [Number(m.offset), Number(m.timestamp)]),
      );
      decoded += lean.length;
    }
    expect(decoded).toBeGreaterThan(60 * 25);
  });

  test("an empty or truncated record set gives no records", async () => {
    const empty = Buffer.alloc(4);
    expect(await decodeMessages(new Decoder(empty))).toEqual([]);
    const r = rng(3);
    const one = await randomBatch(r, 10, 5);
    expect(await decodeMessages(recordSet([one], one.length - 40))).toEqual([]);
  });
});

describe("lean consumer Batch", () => {
  test("keeps and drops the same messages as kafkajs' Batch", async () => {
    expect(LeanBatch).not.toBe(OriginalBatch);
    const r = rng(11);
    const batches = [await randomBatch(r, 100, 30), await randomBatch(r, 130, 30)];
    const messages = (await decodeMessages(recordSet(batches))) as DecodedRecord[];
    const cases = [
      { fetchedOffset: "100", abortedTransactions: [] },
      { fetchedOffset: "117", abortedTransactions: [] },
      { fetchedOffset: "159", abortedTransactions: [] },
      { fetchedOffset: "400", abortedTransactions: [] },
      { fetchedOffset: "105", abortedTransactions: [{ producerId: "-1", firstOffset: "120" }] },
    ];
    for (const c of cases) {
      const data = { partition: 3, highWatermark: "170", messages, abortedTransactions: c.abortedTransactions };
      const lean = new LeanBatch("t", c.fetchedOffset, data);
      const theirs = new OriginalBatch("t", c.fetchedOffset, data);
      expect(lean.messages.map(fields)).toEqual(theirs.messages.map(fields));
      for (const method of [
        "isEmpty",
        "isEmptyIncludingFiltered",
        "isEmptyDueToFiltering",
        "isEmptyControlRecord",
        "isEmptyDueToLogCompactedMessages",
        "firstOffset",
        "lastOffset",
        "offsetLag",
        "offsetLagLow",
      ]) {
        expect([method, lean[method]()]).toEqual([method, theirs[method]()]);
      }
    }
  });
});
