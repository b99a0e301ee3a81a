// The shared env fragments: ports (0 or not), log level, producer compression, and the single
// "invalid environment" error naming every bad variable.
import kafkajs from "kafkajs";
import { afterEach, describe, expect, test } from "vitest";
import { compressionType } from "./codecs";
import { createProcessEnv, logLevelEnvSchema, portEnv } from "./env-fragments";
import { compressionEnv, kafkaEnvSchema } from "./env-schema";

const messageOf = (r: { success: boolean; error?: { issues: Array<{ message: string }> } }) =>
  r.error?.issues.map((i) => i.message);

describe("portEnv", () => {
  test("coerces, defaults, and names the variable in every refusal", () => {
    const port = portEnv("X_PORT", 4000);
    expect(port.parse(undefined)).toBe(4000);
    expect(port.parse("0")).toBe(0);
    expect(port.parse("65535")).toBe(65535);
    for (const bad of ["65536", "-1", "4.5", "abc"])
      expect(messageOf(port.safeParse(bad))).toEqual(["X_PORT must be a port number"]);
  });

  test("a port to connect to refuses 0", () => {
    const port = portEnv("X_PORT", 4000, { allowZero: false });
    expect(messageOf(port.safeParse("0"))).toEqual(["X_PORT must be a port number"]);
    expect(port.parse("1")).toBe(1);
  });
});

test("LOG_LEVEL: pino's levels, info by default", () => {
  expect(logLevelEnvSchema.LOG_LEVEL.parse(undefined)).toBe("info");
  expect(logLevelEnvSchema.LOG_LEVEL.parse("silent")).toBe("silent");
  expect(messageOf(logLevelEnvSchema.LOG_LEVEL.safeParse("loud"))).toEqual([
    "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
  ]);
});

test("compression: lz4 by default, zstd refused, mapped to kafkajs codecs", () => {
  const c = compressionEnv("X_COMPRESSION");
  expect(c.parse(undefined)).toBe("lz4");
  expect(messageOf(c.safeParse("zstd"))).toEqual(["X_COMPRESSION must be none, gzip, snappy or lz4"]);
  expect(compressionType("none")).toBeUndefined();
  expect(compressionType("gzip")).toBe(kafkajs.CompressionTypes.GZIP);
  expect(compressionType("snappy")).toBe(kafkajs.CompressionTypes.Snappy);
  expect(compressionType("lz4")).toBe(kafkajs.CompressionTypes.LZ4);
});

describe("createProcessEnv", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ["X_PORT", "LOG_LEVEL", "KAFKA_BROKERS"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  test("reads process.env, empty strings counting as unset", () => {
    process.env.X_PORT = "";
    process.env.LOG_LEVEL = "warn";
    const env = createProcessEnv({ ...logLevelEnvSchema, X_PORT: portEnv("X_PORT", 4000) });
    expect([env.X_PORT, env.LOG_LEVEL]).toEqual([4000, "warn"]);
  });

  test("one error naming every invalid variable", () => {
    process.env.X_PORT = "99999";
    process.env.KAFKA_BROKERS = "not a broker list";
    expect(() => createProcessEnv({ ...kafkaEnvSchema, X_PORT: portEnv("X_PORT", 4000) })).toThrow(
      "invalid environment: KAFKA_BROKERS must be a host:port list, e.g. localhost:9092; X_PORT must be a port number",
    );
  });
});
