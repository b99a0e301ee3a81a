// The lean producer internals against kafkajs' own: the grouping by partition gives the same
// groups in the same order, the record encoder the same bytes, and the produce request (every
// codec, headers, timestamps as numbers and strings, transactional or not) the same request.
import { createRequire } from "node:module";
import { describe, expect, test, vi } from "vitest";
import { registerCodecs } from "../codecs";
import { CompressionTypes } from "../kafkajs";
import { installLeanKafkajs, kafkajsOwn } from "./install";
import { leanEncodeRecord, type ProduceRequestV3, produceRequest, type RecordEncoder } from "./produce-request";
import { groupMessagesPerPartition, producerGrouping } from "./producer-grouping";
import { rng, SLOW_TEST_MS } from "./testing";

const require = createRequire(import.meta.url);
installLeanKafkajs();
registerCodecs();
const Long = require("kafkajs/src/utils/long");

describe("lean producer grouping", () => {
  test("groups messages by partition exactly as kafkajs does, in order", () => {
    expect(require(producerGrouping.module)).toBe(groupMessagesPerPartition);
    const original = kafkajsOwn<typeof groupMessagesPerPartition>(producerGrouping);
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

describe("lean record encoder", { timeout: SLOW_TEST_MS }, () => {
  test("writes the same bytes as kafkajs' for keys, values and deltas of every size", () => {
    const original = require("kafkajs/src/protocol/recordBatch/record/v0") as RecordEncoder;
    const encodeRecord = leanEncodeRecord(original);
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

describe("lean produce request", { timeout: SLOW_TEST_MS }, () => {
  test("is installed for v3 and the versions built on it", () => {
    const lean = require(produceRequest.module);
    expect(lean).not.toBe(kafkajsOwn(produceRequest));
    const v7 = require("kafkajs/src/protocol/requests/produce/v7/request.js");
    const args = { acks: -1, timeout: 100, topicData: [] };
    expect(v7(args).encode).toBeInstanceOf(Function);
    expect(v7(args).apiVersion).toBe(7);
  });

  test("encodes the same bytes as kafkajs' for random messages, codecs and producers", async () => {
    const lean = require(produceRequest.module) as ProduceRequestV3;
    const original = kafkajsOwn<ProduceRequestV3>(produceRequest);
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
