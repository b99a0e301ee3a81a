// Before the browser tests: migrate and seed the default database (demo users, ads, keys: the
// install's own, generated once into .data/demo-credentials.json, where helpers.ts reads the
// passwords), and write live fixture clicks for demo ads at the current minute, to Postgres and
// to the e2e Redis prefix, so the dashboard has known numbers; and dead letters for the ops view.

import { migrateDatabase } from "@adclicks/db";
import { createDb } from "@adclicks/db/client";
import { dbEnv } from "@adclicks/db/env";
import { seedDemoData } from "@adclicks/db/seed";
import { writeRollups } from "@adclicks/db/testing";
import { createRedis, redisKeys } from "@adclicks/live";
import { redisEnv } from "@adclicks/live/env";
import { writeLiveWindows } from "@adclicks/live/testing";
import { E2E_BASE_URL, E2E_REDIS_PREFIX } from "./env";
import { E2E_CLICKS, E2E_DEAD_LETTER_SOURCE, E2E_DEAD_LETTERS } from "./fixtures";

export default async function globalSetup(): Promise<() => Promise<void>> {
  await migrateDatabase(dbEnv.DATABASE_URL);
  const db = createDb(dbEnv.DATABASE_URL, 2);
  const redis = createRedis(redisEnv.REDIS_URL);
  try {
    // Keep the printable credentials as `npm start` wrote them (their URLs name the demo's port).
    const creds = await seedDemoData(db, { webUrl: E2E_BASE_URL, textPath: null });
    const changed = creds.users.filter((u) => u.changed).map((u) => u.email);
    if (changed.length > 0) {
      // The seed never resets a password, and the tests cannot sign in without it.
      throw new Error(
        `the password of ${changed.join(", ")} in ${dbEnv.DATABASE_URL} is not the one in .data/demo-credentials.json (changed, or seeded by another checkout): point DATABASE_URL at this checkout's database, or delete .data/demo-credentials.json to let the seed generate and set new ones`,
      );
    }
    const minuteMs = Math.floor(Date.now() / 60_000) * 60_000;
    const rows = E2E_CLICKS.map((c) => ({ ...c, minuteMs }));
    await writeRollups(db, rows);
    await writeLiveWindows(redis, redisKeys(E2E_REDIS_PREFIX), rows, { nowMs: Date.now() });
    await db.$client.query("delete from dead_letters where source = $1", [E2E_DEAD_LETTER_SOURCE]);
    for (const d of E2E_DEAD_LETTERS) {
      await db.$client.query("insert into dead_letters (reason, source, detail, payload) values ($1, $2, $3, $4)", [
        d.reason,
        E2E_DEAD_LETTER_SOURCE,
        d.detail,
        d.payload,
      ]);
    }
  } finally {
    redis.disconnect();
    await db.$client.end();
  }
  // Teardown: drop the keys the admin-page test created and the fixture dead letters, so the
  // demo's lists stay clean.
  return async () => {
    const cleanup = createDb(dbEnv.DATABASE_URL, 1);
    try {
      await cleanup.$client.query("delete from api_keys where name like 'e2e-%'");
      await cleanup.$client.query("delete from dead_letters where source = $1", [E2E_DEAD_LETTER_SOURCE]);
    } finally {
      await cleanup.$client.end();
    }
  };
}
