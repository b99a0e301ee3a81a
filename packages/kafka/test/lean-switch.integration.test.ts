// KAFKA_LEAN=0 against the default, on the real broker: child processes produce the same
// messages (idempotent producer, every codec our producers write, some with headers) and read
// them back (a consumer group), one on kafkajs' own internals and one on the lean ones; each
// reads exactly what was sent, in order, on the partitions Kafka's key hash gives.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { kafkaEnv } from "../src/env";
import { createKafka, partitionForKey } from "../src/index";

const COUNT = 4_000;
const PARTITIONS = 4;
const suffix = `${kafkaEnv.KAFKA_TOPIC_SUFFIX}.lean-${randomBytes(3).toString("hex")}`;
const topics = { "0": `lean-off${suffix}`, "1": `lean-on${suffix}` };
const admin = createKafka(kafkaEnv.KAFKA_BROKERS, "lean-switch-test").admin();

beforeAll(async () => {
  await admin.connect();
  await admin.createTopics({
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
    waitForLeaders: true,
  });
});

afterAll(async () => {
  await admin.deleteTopics({ topics: Object.values(topics) });
  await admin.disconnect();
});

function roundTrip(lean: "0" | "1") {
  const script = fileURLToPath(new URL("./round-trip.ts", import.meta.url));
  return promisify(execFile)(
    process.execPath,
    ["--import", "tsx", script, kafkaEnv.KAFKA_BROKERS, topics[lean], String(COUNT)],
    { env: { ...process.env, KAFKA_LEAN: lean }, timeout: 120_000 },
  );
}

test("producing and consuming give exactly the same with KAFKA_LEAN=0 as with the lean internals", async () => {
  const perPartition: Record<string, number> = {};
  for (let i = 0; i < COUNT; i++) {
    const p = partitionForKey(`ad-${i % 97}`, PARTITIONS);
    perPartition[p] = (perPartition[p] ?? 0) + 1;
  }
  const [off, on] = await Promise.all([roundTrip("0"), roundTrip("1")]);
  const expected = {
    received: COUNT,
    distinct: COUNT,
    perPartition,
    contiguous: true,
    numbersAsStrings: true,
    headers: COUNT / 10,
  };
  expect(JSON.parse(off.stdout)).toEqual({ lean: false, ...expected });
  expect(JSON.parse(on.stdout)).toEqual({ lean: true, ...expected });
});
