// The Kafka env fragments: producer compression mapped to kafkajs' codecs, and the broker list
// named in the shared "invalid environment" error.
import { createProcessEnv } from "@adclicks/config/env";
import kafkajs from "kafkajs";
import { expect, test } from "vitest";
import { compressionType } from "./codecs";
import { compressionEnv, kafkaEnvSchema } from "./env-schema";

const messageOf = (r: { success: boolean; error?: { issues: Array<{ message: string }> } }) =>
  r.error?.issues.map((i) => i.message);

test("compression: lz4 by default, zstd refused, mapped to kafkajs codecs", () => {
  const c = compressionEnv("X_COMPRESSION");
  expect(c.parse(undefined)).toBe("lz4");
  expect(messageOf(c.safeParse("zstd"))).toEqual(["X_COMPRESSION must be none, gzip, snappy or lz4"]);
  expect(compressionType("none")).toBeUndefined();
  expect(compressionType("gzip")).toBe(kafkajs.CompressionTypes.GZIP);
  expect(compressionType("snappy")).toBe(kafkajs.CompressionTypes.Snappy);
  expect(compressionType("lz4")).toBe(kafkajs.CompressionTypes.LZ4);
});

test("a bad broker list is named in the invalid-environment error", () => {
  expect(() => createProcessEnv(kafkaEnvSchema, { KAFKA_BROKERS: "not a broker list" })).toThrow(
    "invalid environment: KAFKA_BROKERS must be a host:port list, e.g. localhost:9092",
  );
});
