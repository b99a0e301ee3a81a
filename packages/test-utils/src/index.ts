// Helpers for integration tests: an isolated environment per test file (own database, own
// Kafka topics, own Redis prefix) on the real services, and polling with a deadline; the other
// helpers (child processes, topic reader, TCP proxy, private servers, the benches' machine
// yardstick) are re-exported from here.
import { randomBytes } from "node:crypto";
import { dropDatabase, migrateDatabase } from "@adclicks/db";
import { createKafka, ensureTopics, type Kafka, type TopicNames, topicNames } from "@adclicks/kafka";
import { createRedis } from "@adclicks/live";

import { BASE_DATABASE_URL, KAFKA_BROKERS, REDIS_URL } from "./env";

export * from "./child-processes";
export * from "./monitoring-stack";
export * from "./pipeline-stack";
export * from "./private-servers";
export * from "./proc-cpu";
export * from "./read-topic";
export * from "./tcp-proxy";
export * from "./yardstick";
export { BASE_DATABASE_URL, KAFKA_BROKERS, REDIS_URL };

export interface TestEnv {
  id: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  kafkaBrokers: string;
  topicSuffix: string;
  topics: TopicNames;
  kafka: Kafka;
  /** Env vars for a child process (a worker under test) pointing at this environment. */
  childEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

/** A fresh database (migrated), topic set and Redis prefix, named after `label`. */
export async function createTestEnv(
  label: string,
  opts: { partitions?: number; baseDatabaseUrl?: string; redisUrl?: string } = {},
): Promise<TestEnv> {
  const redisUrl = opts.redisUrl ?? REDIS_URL;
  const id = `${label
    .replace(/[^a-z0-9]/gi, "")
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(3).toString("hex")}`;
  const db = new URL(opts.baseDatabaseUrl ?? BASE_DATABASE_URL);
  db.pathname = `/t_${id}`;
  const databaseUrl = db.toString();
  await migrateDatabase(databaseUrl);
  const topicSuffix = `.t-${id}`;
  const topics = topicNames(topicSuffix);
  const kafka = createKafka(KAFKA_BROKERS, `test-${id}`);
  await ensureTopics(kafka, topics, opts.partitions ?? 4);
  const redisPrefix = `t-${id}`.replace(/_/g, "-").toLowerCase();
  return {
    id,
    databaseUrl,
    redisUrl,
    redisPrefix,
    kafkaBrokers: KAFKA_BROKERS,
    topicSuffix,
    topics,
    kafka,
    childEnv: (extra = {}) => ({
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      KAFKA_BROKERS,
      KAFKA_TOPIC_SUFFIX: topicSuffix,
      ...extra,
    }),
    cleanup: async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: [topics.clicks, topics.deadLetters, topics.counts] });
      } finally {
        await admin.disconnect();
      }
      await dropDatabase(databaseUrl);
      // The prefix's keys (live windows of a test can be tens of MB). Best effort: a test's
      // private Redis may be gone already, and then so are its keys.
      const redis = createRedis(redisUrl);
      redis.on("error", () => {});
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `{${redisPrefix}}:*`, "COUNT", 1000);
          cursor = next;
          if (keys.length > 0) await redis.unlink(...keys);
        } while (cursor !== "0");
      } catch {
        // nothing left to clean
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Polls `check` until it returns a truthy value or the deadline passes (then throws with `what`). */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  { timeoutMs = 30_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
