// The start-up check of the lean kafkajs internals: importing the package loads none of kafkajs'
// consumer or producer; installing puts every replacement where kafkajs requires it, and a
// replacement that is not in place, another kafkajs version, or kafkajs loaded before the first
// client is refused with an error that names the module or version and the way to turn it off.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { CompressionCodecs, CompressionTypes, logLevel, Partitioners } from "../index";
import {
  checkKafkajsVersion,
  installLeanKafkajs,
  KAFKAJS_VERSION,
  kafkajsOwn,
  leanKafkajsInstalled,
  REPLACEMENTS,
  verifyLeanKafkajs,
} from "./install";
import { SLOW_TEST_MS } from "./testing";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

describe("installation", () => {
  test("importing @adclicks/kafka loads neither kafkajs nor any module that would hold its own internals", () => {
    expect(require.cache[require.resolve("kafkajs")]).toBeUndefined();
    for (const r of REPLACEMENTS) {
      for (const user of r.users) expect(require.cache[require.resolve(user)], user).toBeUndefined();
    }
    expect(leanKafkajsInstalled()).toBe(false);
  });

  test("puts every replacement where kafkajs requires it, then kafkajs loads on them", () => {
    installLeanKafkajs();
    expect(leanKafkajsInstalled()).toBe(true);
    for (const r of REPLACEMENTS) {
      expect(require(r.module), r.module).not.toBe(kafkajsOwn(r));
    }
    const kafkajs = require("kafkajs");
    // The constants re-exported without loading kafkajs' index are its index's own objects (the
    // codecs registered in ours are the ones kafkajs uses).
    expect(CompressionTypes).toBe(kafkajs.CompressionTypes);
    expect(CompressionCodecs).toBe(kafkajs.CompressionCodecs);
    expect(logLevel).toBe(kafkajs.logLevel);
    expect(Partitioners).toBe(kafkajs.Partitioners);
    // Installing again only verifies.
    expect(() => installLeanKafkajs()).not.toThrow();
  });

  test("a module that is not the replacement after installation is an error naming it", () => {
    installLeanKafkajs();
    const [first] = REPLACEMENTS;
    const cached = require.cache[require.resolve(first!.module)]!;
    const lean = cached.exports;
    cached.exports = kafkajsOwn(first!);
    try {
      expect(() => verifyLeanKafkajs()).toThrow(
        `${first!.module} is not the lean replacement (packages/kafka/src/lean) after installation: kafkajs would use its own. Set KAFKA_LEAN=0 to run on kafkajs' own internals.`,
      );
    } finally {
      cached.exports = lean;
    }
    expect(() => verifyLeanKafkajs()).not.toThrow();
  });
});

describe("kafkajs version", () => {
  test("another version than the replacements were written for is an error naming both", () => {
    expect(() => checkKafkajsVersion("2.3.0")).toThrow(
      /written for kafkajs 2\.2\.4, but kafkajs\/package\.json says 2\.3\.0: .*Set KAFKA_LEAN=0/,
    );
    expect(() => checkKafkajsVersion(KAFKAJS_VERSION)).not.toThrow();
  });

  test("is the version packages/kafka pins, and the one installed", () => {
    const pkg = JSON.parse(readFileSync(join(here, "../../package.json"), "utf8"));
    expect(pkg.dependencies.kafkajs).toBe(KAFKAJS_VERSION);
    expect(require("kafkajs/package.json").version).toBe(KAFKAJS_VERSION);
  });

  test("every kafkajs module that requires a replaced one when it loads is listed as its user", () => {
    const root = dirname(require.resolve("kafkajs/package.json"));
    const files = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" }).filter(
      (f) => f.endsWith(".js") && !f.endsWith(".spec.js") && !f.includes("__"),
    );
    for (const r of REPLACEMENTS) {
      const target = require.resolve(r.module);
      const users = files
        .filter((f) => {
          const path = join(root, "src", f);
          // Top-level requires only: the indented ones run at a call, after installation.
          return [...readFileSync(path, "utf8").matchAll(/^const .*require\('([^']+)'\)/gm)].some(
            ([, spec]) => spec!.startsWith(".") && require.resolve(join(dirname(path), spec!)) === target,
          );
        })
        .map((f) => `kafkajs/src/${f}`)
        .sort();
      expect(users, r.module).toEqual([...r.users].sort());
    }
  });
});

describe("a process that loaded kafkajs before its first client", { timeout: SLOW_TEST_MS }, () => {
  const run = (lean: string) =>
    promisify(execFile)(process.execPath, ["--import", "tsx", join(here, "../../test/kafkajs-loaded-first.ts")], {
      env: { ...process.env, KAFKA_LEAN: lean },
    });

  test("fails at start naming the module, and starts with KAFKA_LEAN=0", async () => {
    const [lean, off] = await Promise.allSettled([run("1"), run("0")]);
    expect(lean.status).toBe("rejected");
    const stderr = (lean as PromiseRejectedResult).reason.stderr as string;
    expect(stderr).toContain("LeanKafkajsError: kafkajs was loaded before its lean internals were installed");
    expect(stderr).toContain("kafkajs/src/consumer/consumerGroup.js (holds kafkajs' kafkajs/src/consumer/batch.js)");
    expect(stderr).toContain("Set KAFKA_LEAN=0");
    expect(off).toEqual({ status: "fulfilled", value: { stdout: "started without the lean internals\n", stderr: "" } });
  });
});
