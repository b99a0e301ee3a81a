// Clicks on ads missing from the catalog, against the real Postgres: counted in the rollups like
// any other, tallied once per final minute (again after late corrections), shown in the ops
// health as their own figure, and gone from it once the catalog knows the ad.
import { createTestEnv, type TestEnv } from "@adclicks/test-utils";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { tallyCatalogMisses } from "./catalog-misses";
import { ads, advertisers } from "./catalog-schema";
import { createDb, type Db } from "./client";
import { getPipelineHealth } from "./queries/get-pipeline-health";
import { markMinutesFinal, writeRollups } from "./testing";

let env: TestEnv;
let db: Db;

beforeAll(async () => {
  env = await createTestEnv("catalog-misses");
  db = createDb(env.databaseUrl, 4);
  await db.insert(advertisers).values({ id: "adv-a", name: "Acme" });
  await db.insert(ads).values({ id: "ad-known", advertiserId: "adv-a", name: "Known" });
});

afterAll(async () => {
  await db?.$client.end();
  await env?.cleanup();
});

// Postgres alone: the live windows are not what this figure is about.
const health = () => getPipelineHealth({ db, live: null, now: Date.now });

test("clicks on ads not in the catalog are their own figure: per final minute, late ones included", async () => {
  const now = Date.now();
  const minute = (ago: number) => Math.floor(now / 60_000) * 60_000 - ago * 60_000;
  await writeRollups(db, [
    { adId: "ad-known", minuteMs: minute(3), country: "US", clicks: 50 },
    { adId: "ad-new-1", minuteMs: minute(3), country: "US", clicks: 7 },
    { adId: "ad-new-1", minuteMs: minute(3), country: "DE", clicks: 3 },
    { adId: "ad-new-2", minuteMs: minute(2), country: "FR", clicks: 4 },
    { adId: "ad-new-3", minuteMs: minute(1), country: "US", clicks: 100 }, // minute not final yet
    { adId: "ad-old", minuteMs: minute(180), country: "US", clicks: 9 }, // outside the kept range
  ]);
  await markMinutesFinal(db, [minute(3), minute(2), minute(180)]);
  await db.execute(sql`insert into minute_status (minute) values (${new Date(minute(1))})`);

  expect((await health()).catalogMisses).toMatchObject({ clicks: 0, ads: 0, throughMs: null });
  expect(await tallyCatalogMisses(db.$client, now)).toEqual([minute(3), minute(2)]);
  expect(await tallyCatalogMisses(db.$client, now)).toEqual([]); // each minute once
  expect((await health()).catalogMisses).toEqual({
    windowMinutes: 60,
    clicks: 14,
    ads: 2,
    top: [
      { adId: "ad-new-1", clicks: 10 },
      { adId: "ad-new-2", clicks: 4 },
    ],
    throughMs: minute(2),
  });

  // A late correction to a final minute is tallied again; the open minute once it is final.
  await writeRollups(db, [{ adId: "ad-new-2", minuteMs: minute(3), country: "US", clicks: 5 }]);
  await db.execute(sql`update minute_status set late_clicks = late_clicks + 5 where minute = ${new Date(minute(3))}`);
  await markMinutesFinal(db, [minute(1)]);
  expect(await tallyCatalogMisses(db.$client, now)).toEqual([minute(3), minute(1)]);
  expect((await health()).catalogMisses).toMatchObject({ clicks: 119, ads: 3, throughMs: minute(1) });

  // The catalog learns an ad: it leaves the figure (its clicks were counted all along).
  await db.insert(ads).values({ id: "ad-new-3", advertiserId: "adv-a", name: "Synced" });
  expect((await health()).catalogMisses).toMatchObject({ clicks: 19, ads: 2 });
  const counted = await db.execute<{ n: number }>(
    sql`select sum(clicks)::bigint as n from click_rollups where ad_id = 'ad-new-3'`,
  );
  expect(Number(counted.rows[0]?.n)).toBe(100);
});
