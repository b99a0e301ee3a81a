// The lean kafkajs internals against kafkajs' own: random record batches written by kafkajs'
// encoder (every codec it can write, headers, null keys and values, control and transactional
// batches, log-append time, offsets past 2³², a batch cut off at the end) decode to the same
// records (field by field: the lean records give offset and timestamp through getters); the
// lean consumer Batch keeps and drops the same messages; the producer's grouping
// and record encoder give the same groups and bytes.
// First, as in client.ts: installed before kafkajs' consumer is loaded.
import "./lean-kafkajs";
import { createRequire } from "node:module";
import kafkajs from "kafkajs";
import { describe, expect, test, vi } from "vitest";
import { registerCodecs } from "./codecs";
import {
  type DecodedRecord,
  decodeMessages,
  encodeRecord,
  groupMessagesPerPartition,
  installLeanKafkajs,
  kafkajsOriginals,
  offsetOf,
  timestampOf,
} from "./lean-kafkajs";

const require = createRequire(import.meta.url);
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0");
// kafkajs' own record encoder writes the batches the decoders read.
const Record = (fields: Parameters<typeof encodeRecord>[0]) => kafkajsOriginals().encodeRecord(fields);
const Decoder = require("kafkajs/src/protocol/decoder");
const Long = require("kafkajs/src/utils/long");
const OriginalBatch = (() => {
  // A fresh copy of kafkajs' Batch module, whatever the cache holds now.
  const path = require.resolve("kafkajs/src/consumer/batch.js");
  const cached = require.cache[path];
  delete require.cache[path];
  const original = require(path);
  if (cached) require.cache[path] = cached;
  else delete require.cache[path];
  return original;
})();

registerCodecs();
const { CompressionTypes } = kafkajs;

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

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

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

describe("lean fetch decoder", () => {
  test("is installed: kafkajs' fetch responses, consumer and producer use it", () => {
    expect(installLeanKafkajs()).toEqual({ batch: true, grouping: true });
    expect(require("kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js")).toBe(decodeMessages);
    expect(require("kafkajs/src/producer/groupMessagesPerPartition.js")).toBe(groupMessagesPerPartition);
    expect(require("kafkajs/src/protocol/recordBatch/record/v0/index.js")).toBe(encodeRecord);
  });

  test("decodes random record sets exactly as kafkajs does", async () => {
    const original = kafkajsOriginals().decodeMessages;
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
    const Lean = require("kafkajs/src/consumer/batch.js");
    expect(Lean).not.toBe(OriginalBatch);
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
      const lean = new Lean("t", c.fetchedOffset, data);
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

describe("lean producer grouping", () => {
  test("groups messages by partition exactly as kafkajs does, in order", () => {
    const original = kafkajsOriginals().groupMessagesPerPartition!;
    const r = rng(5);
    const messages = Array.from({ length: 3_000 }, (_, i) => ({ key: `k${Math.floor(r() * 500)}`, value: `${i}` }));
    const partitionMetadata = Array.from({ length: 12 }, (_, i) => ({ partitionId: i }));
    const partitioner = ({ message }: { message: unknown }) =>
      Number((message as { key: string }).key.slice(1)) % partitionMetadata.length;
    const args = { topic: "t", partitionMetadata, messages, partitioner };
    expect(groupMessagesPerPartition(args)).toEqual(original(args));
    expect(groupMessagesPerPartition({ ...args, partitionMetadata: [] })).toEqual(
      original({ ...args, partitionMetadata: [] }),
    );
  });
});

describe("lean record encoder", () => {
  test("writes the same bytes as kafkajs' for keys, values and deltas of every size", () => {
    const original = kafkajsOriginals().encodeRecord;
    const r = rng(9);
    const text = (n: number) => Array.from({ length: n }, () => "aé€😀"[Math.floor(r() * 4)]).join("");
    const pickValue = () => {
      const x = r();
      if (x < 0.1) return null;
      if (x < 0.2) return undefined;
      if (x < 0.6) return text(Math.floor(r() * 300));
      return Buffer.from(text(Math.floor(r() * 600)));
    };
    for (let i = 0; i < 600; i++) {
      const fields = {
        offsetDelta: Math.floor(r() * 2 ** (1 + Math.floor(r() * 29))),
        timestampDelta: Math.floor((r() - 0.3) * 2 ** (1 + Math.floor(r() * 29))),
        key: pickValue(),
        value: pickValue(),
        headers: r() < 0.05 ? { h: "v" } : {},
      };
      expect(encodeRecord(fields).buffer).toEqual(original(fields).buffer);
    }
  });
});

describe("lean produce request", () => {
  test("is installed for v3 and the versions built on it", () => {
    const lean = require("kafkajs/src/protocol/requests/produce/v3/request.js");
    expect(lean).not.toBe(kafkajsOriginals().produceRequest);
    const v7 = require("kafkajs/src/protocol/requests/produce/v7/request.js");
    const args = { acks: -1, timeout: 100, topicData: [] };
    expect(v7(args).encode).toBeInstanceOf(Function);
    expect(v7(args).apiVersion).toBe(7);
  });

  test("encodes the same bytes as kafkajs' for random messages, codecs and producers", async () => {
    const lean = require("kafkajs/src/protocol/requests/produce/v3/request.js");
    const original = kafkajsOriginals().produceRequest;
    const r = rng(21);
    const pick = () => {
      const x = r();
      if (x < 0.1) return null;
      if (x < 0.15) return undefined;
      if (x < 0.6) return `ad-${Math.floor(r() * 1e6)}:é`;
      return Buffer.from(JSON.stringify({ n: Math.floor(r() * 1e9) }));
    };
    const codecs = [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4];
    // Messages without a timestamp take Date.now(): one fixed value for both encoders.
    const now = vi.spyOn(Date, "now").mockReturnValue(1_800_000_000_000);
    try {
      for (let round = 0; round < 40; round++) {
        const stamped = r() < 0.5;
        const topicData = Array.from({ length: 1 + Math.floor(r() * 2) }, (_, t) => ({
          topic: `topic-${t}`,
          partitions: Array.from({ length: 1 + Math.floor(r() * 3) }, (_, p) => ({
            partition: p,
            firstSequence: Math.floor(r() * 100),
            messages: Array.from({ length: 1 + Math.floor(r() * 40) }, () => ({
              key: pick(),
              value: pick(),
              ...(r() < 0.1 ? { headers: { h: "v", many: ["a", "b"] } } : {}),
              // 12 and 13 digits, and strings too: kafkajs sorts them as text to find the first and the max.
              ...(stamped
                ? { timestamp: (r() < 0.5 ? 999_000_000_000 : 1_700_000_000_000) + Math.floor(r() * 9_000) }
                : {}),
              ...(stamped && r() < 0.2 ? { timestamp: String(1_700_000_000_000 + Math.floor(r() * 9_000)) } : {}),
            })),
          })),
        }));
        const args = {
          acks: r() < 0.5 ? -1 : 1,
          timeout: 30_000,
          transactionalId: r() < 0.2 ? "tx" : null,
          producerId: Long.fromValue(r() < 0.5 ? -1 : Math.floor(r() * 1e6)),
          producerEpoch: Math.floor(r() * 5),
          compression: codecs[Math.floor(r() * codecs.length)],
          topicData,
        };
        const ours = lean(args);
        const theirs = original(args);
        expect([ours.apiKey, ours.apiVersion, ours.apiName, ours.expectResponse()]).toEqual([
          theirs.apiKey,
          theirs.apiVersion,
          theirs.apiName,
          theirs.expectResponse(),
        ]);
        expect((await ours.encode()).buffer).toEqual((await theirs.encode()).buffer);
      }
    } finally {
      now.mockRestore();
    }
  });
});
