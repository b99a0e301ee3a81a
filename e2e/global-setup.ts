// Before the browser tests: migrate and seed the default database (demo users, ads, key), and
// write live fixture clicks for demo ads at the current minute, to Postgres and to the e2e Redis
// prefix, so the dashboard has known numbers.

import { migrateDatabase } from "@adclicks/db";
import { createDb } from "@adclicks/db/client";
import { dbEnv } from "@adclicks/db/env";
import { seedDemoData } from "@adclicks/db/seed";
import { writeRollups } from "@adclicks/db/testing";
import { createRedis, redisKeys } from "@adclicks/live";
import { redisEnv } from "@adclicks/live/env";
import { writeLiveWindows } from "@adclicks/live/testing";
import { E2E_BASE_URL, E2E_REDIS_PREFIX } from "./env";
import { E2E_CLICKS } from "./fixtures";

export default async function globalSetup(): Promise<() => Promise<void>> {
  await migrateDatabase(dbEnv.DATABASE_URL);
  const db = createDb(dbEnv.DATABASE_URL, 2);
  const redis = createRedis(redisEnv.REDIS_URL);
  try {
    // Keep the demo credentials file as `npm start` wrote it (its URLs name the demo's port).
    await seedDemoData(db, { webUrl: E2E_BASE_URL, writeCredentials: false });
    const minuteMs = Math.floor(Date.now() / 60_000) * 60_000;
    const rows = E2E_CLICKS.map((c) => ({ ...c, minuteMs }));
    await writeRollups(db, rows);
    await writeLiveWindows(redis, redisKeys(E2E_REDIS_PREFIX), rows, { nowMs: Date.now() });
  } finally {
    redis.disconnect();
    await db.$client.end();
  }
  // Teardown: drop the keys the admin-page test created, so the demo's key list stays clean.
  return async () => {
    const cleanup = createDb(dbEnv.DATABASE_URL, 1);
    try {
      await cleanup.$client.query("delete from api_keys where name like 'e2e-%'");
    } finally {
      await cleanup.$client.end();
    }
  };
}
