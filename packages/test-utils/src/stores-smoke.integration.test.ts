// Smoke test of the real stores: a migrated database round-trips a row through drizzle, and
// Redis round-trips a sorted set (the structure the live windows are made of).
import { createDb, type Db } from "@adclicks/db";
import { clickRollups } from "@adclicks/db/schema";
import { createRedis, redisKeys } from "@adclicks/live";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestEnv, type TestEnv } from "./index";

let env: TestEnv;
let db: Db;
beforeAll(async () => {
  env = await createTestEnv("db-smoke", { partitions: 1 });
  db = createDb(env.databaseUrl, 2);
});
afterAll(async () => {
  await db?.$client.end();
  await env?.cleanup();
});

test("migrations applied: a rollup row round-trips through drizzle", async () => {
  const minute = new Date(Date.UTC(2026, 10, 25, 12, 0));
  await db.insert(clickRollups).values({ adId: "ad-smoke", minute, country: "US", clicks: 41 });
  await db.update(clickRollups).set({ clicks: 42 }).where(eq(clickRollups.adId, "ad-smoke"));
  expect(await db.select().from(clickRollups).where(eq(clickRollups.adId, "ad-smoke"))).toEqual([
    { adId: "ad-smoke", minute, country: "US", clicks: 42 },
  ]);
});

test("a Redis sorted set round-trips with scores and order", async () => {
  const redis = createRedis(env.redisUrl);
  const key = redisKeys(env.redisPrefix).minute(Date.UTC(2026, 10, 25, 12, 0), "US");
  try {
    await redis.zincrby(key, 3, "ad-b");
    await redis.zincrby(key, 5, "ad-a");
    await redis.zincrby(key, 1, "ad-b");
    expect(await redis.zrevrange(key, 0, -1, "WITHSCORES")).toEqual(["ad-a", "5", "ad-b", "4"]);
  } finally {
    await redis.del(key);
    redis.disconnect();
  }
});
