// The short chaos run inside `npm test`: a small stream with two faults (the aggregator and the
// collector SIGKILLed, restarted by the supervisor), on the shared servers, which it leaves
// running. The full suite, with Kafka, Postgres and Redis faults on private servers, is
// `npm run chaos`.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BASE_DATABASE_URL, KAFKA_BROKERS, REDIS_URL, REPO_ROOT } from "@adclicks/test-utils";
import { expect, test } from "vitest";
import { formatTable, passed, runScenario, SHORT_SCENARIO } from "./chaos";

test("two faults while a known stream flows: nothing lost, nothing counted twice", async () => {
  const dir = join(REPO_ROOT, ".data/chaos-short");
  mkdirSync(dir, { recursive: true });
  const r = await runScenario(SHORT_SCENARIO, 0, {
    servers: { kafkaBrokers: KAFKA_BROKERS, postgresUrl: BASE_DATABASE_URL, redisUrl: REDIS_URL },
    control: {},
    dir,
    rate: 200,
    ads: 20,
    leadS: 2,
    settleTimeoutS: 90,
    seed: "short",
    log: () => {},
  });
  const table = formatTable([r]);
  expect(r.faults, table).toBe(2);
  expect(r.restarts, table).toBeGreaterThanOrEqual(2);
  expect(r.clicks, table).toBeGreaterThan(1_000);
  expect({ lost: r.lost, doubleCounted: r.doubleCounted, problems: r.problems }, table).toEqual({
    lost: 0,
    doubleCounted: 0,
    problems: [],
  });
  expect(passed(r), table).toBe(true);
}, 300_000);
