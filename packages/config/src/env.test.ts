// The shared env helper: ports (0 or not), log level, and the single "invalid environment" error
// naming every bad variable.
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { createProcessEnv, logLevelEnvSchema, portEnv } from "./env";

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

describe("createProcessEnv", () => {
  const schema = {
    ...logLevelEnvSchema,
    X_PORT: portEnv("X_PORT", 4000),
    X_NAME: z.string().regex(/^[a-z]+$/, "X_NAME must be lower-case letters"),
  };

  test("reads the given env, empty strings counting as unset", () => {
    const env = createProcessEnv(schema, { X_PORT: "", LOG_LEVEL: "warn", X_NAME: "abc" });
    expect([env.X_PORT, env.LOG_LEVEL, env.X_NAME]).toEqual([4000, "warn", "abc"]);
  });

  test("a bad value: one error naming the variable", () => {
    expect(() => createProcessEnv(schema, { LOG_LEVEL: "loud", X_NAME: "abc" })).toThrow(
      "invalid environment: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
    );
  });

  test("one error naming every invalid variable", () => {
    expect(() => createProcessEnv(schema, { X_PORT: "99999", X_NAME: "ABC" })).toThrow(
      "invalid environment: X_PORT must be a port number; X_NAME must be lower-case letters",
    );
  });

  test("reads process.env by default", () => {
    process.env.X_CONFIG_TEST_PORT = "4321";
    try {
      expect(createProcessEnv({ X_CONFIG_TEST_PORT: portEnv("X_CONFIG_TEST_PORT", 1) }).X_CONFIG_TEST_PORT).toBe(4321);
    } finally {
      delete process.env.X_CONFIG_TEST_PORT;
    }
  });
});
