// Puts the lean replacements of kafkajs internals (one file each in this folder) in place of
// kafkajs' own in Node's CommonJS cache, then checks that kafkajs will use them: it is the version
// they were written for, and each module kafkajs requires is ours. Explicit: createKafka calls it
// (unless KAFKA_LEAN=0) before kafkajs' consumer and producer are loaded; importing does nothing.
import { createRequire } from "node:module";
import { consumerBatch } from "./consumer-batch";
import { fetchDecodeMessages } from "./fetch-decode-messages";
import { produceRequest } from "./produce-request";
import { producerGrouping } from "./producer-grouping";
import type { Replacement } from "./replacement";

const require = createRequire(import.meta.url);

/** The kafkajs version every replacement here was written for and tested against. */
export const KAFKAJS_VERSION = "2.2.4";

export const REPLACEMENTS: readonly Replacement[] = [
  fetchDecodeMessages,
  consumerBatch,
  producerGrouping,
  produceRequest,
];

const TURN_OFF = "Set KAFKA_LEAN=0 to run on kafkajs' own internals.";

/** The lean path cannot be used: the process must not start on it (see the message). */
export class LeanKafkajsError extends Error {
  constructor(message: string) {
    super(`${message} ${TURN_OFF}`);
    this.name = "LeanKafkajsError";
  }
}

/** Each installed replacement and kafkajs' own module it stands in for. */
const installed = new Map<Replacement, { lean: unknown; original: unknown }>();

/** Throws unless `found` is the kafkajs version the replacements were written for. */
export function checkKafkajsVersion(found: string, where = "kafkajs/package.json"): void {
  if (found !== KAFKAJS_VERSION) {
    throw new LeanKafkajsError(
      `the lean kafkajs internals (packages/kafka/src/lean) were written for kafkajs ${KAFKAJS_VERSION}, but ${where} says ${found}: pin kafkajs ${KAFKAJS_VERSION} in packages/kafka/package.json, or check each replacement against kafkajs ${found} and update KAFKAJS_VERSION.`,
    );
  }
}

const isLoaded = (path: string) => require.cache[require.resolve(path)] !== undefined;

/**
 * Installs every replacement, or none: throws (LeanKafkajsError) if kafkajs is another version,
 * if a kafkajs module that would keep kafkajs' own was loaded first, or if a module kafkajs
 * requires is not ours afterwards. Once installed, later calls only verify.
 */
export function installLeanKafkajs(): void {
  if (installed.size === 0) {
    const pkg = require.resolve("kafkajs/package.json");
    checkKafkajsVersion((require(pkg) as { version: string }).version, pkg);
    const early = REPLACEMENTS.flatMap((r) => r.users.filter(isLoaded).map((u) => `${u} (holds kafkajs' ${r.module})`));
    if (early.length > 0) {
      throw new LeanKafkajsError(
        `kafkajs was loaded before its lean internals were installed, so it would keep its own: ${early.join(", ")}. Import kafkajs only through @adclicks/kafka, and create clients with createKafka.`,
      );
    }
    // Every lean version built before any is put in place: all of them or none.
    const built = REPLACEMENTS.map((r) => {
      const path = require.resolve(r.module);
      const original = require(path) as unknown;
      return { r, path, original, lean: r.create(original) };
    });
    for (const { r, path, original, lean } of built) {
      require.cache[path]!.exports = lean;
      installed.set(r, { lean, original });
    }
  }
  verifyLeanKafkajs();
}

/** Throws unless every replacement is what kafkajs gets when it requires the module. */
export function verifyLeanKafkajs(): void {
  for (const r of REPLACEMENTS) {
    const entry = installed.get(r);
    if (entry === undefined || require(r.module) !== entry.lean) {
      throw new LeanKafkajsError(
        `${r.module} is not the lean replacement (packages/kafka/src/lean) after installation: kafkajs would use its own.`,
      );
    }
  }
}

/** Whether the lean replacements are installed in this process. */
export function leanKafkajsInstalled(): boolean {
  return installed.size > 0;
}

/** kafkajs' own version of a replaced module (for tests comparing both); installs first. */
export function kafkajsOwn<T>(r: Replacement): T {
  installLeanKafkajs();
  return installed.get(r)!.original as T;
}
