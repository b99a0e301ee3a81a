// The recon router over createCaller (ops only: runs, a run's mismatches, requesting runs) and
// verified_through through tRPC and REST, from the runs stored in recon_runs.
import { storeRecountOutcome } from "@adclicks/db";
import { writeRollups } from "@adclicks/db/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ApiTestEnv, createApiTestEnv, trpcCode } from "./api-test-env";

let t: ApiTestEnv;
const HEAD = Date.UTC(2026, 0, 5, 12, 0);
const FROM = "2026-01-05T10:00:00.000Z";
const TO = "2026-01-05T11:00:00.000Z";

beforeAll(async () => {
  t = await createApiTestEnv("recon", { nowMs: HEAD + 30_000 });
  await writeRollups(t.db, [{ adId: "ad-1", minuteMs: HEAD, country: "US", clicks: 3 }]);
});
afterAll(() => t?.cleanup());

describe("recon router", () => {
  test("only ops may see or start runs", async () => {
    for (const caller of [t.callers.advertiserA, t.callers.advertiserB]) {
      const api = t.trpc(caller);
      expect(await trpcCode(api.recon.runs())).toBe("FORBIDDEN");
      expect(await trpcCode(api.recon.startRecalc({ from: FROM, to: TO }))).toBe("FORBIDDEN");
    }
    expect(await trpcCode(t.trpc(t.callers.anonymous).recon.startReconcile({ from: FROM, to: TO }))).toBe(
      "UNAUTHORIZED",
    );
  });

  test("a requested run is listed; its mismatches and verified_through follow what it found", async () => {
    const ops = t.trpc(t.callers.opsUser);
    expect((await ops.recon.runs()).verified_through).toBeNull();
    const { run_id } = await ops.recon.startReconcile({ from: FROM, to: TO, ad_ids: ["ad-1"] });
    const full = await ops.recon.startReconcile({ from: FROM, to: TO });
    expect(run_id).not.toBeNull();
    const listed = await ops.recon.runs();
    expect(listed.runs.map((r) => [r.id, r.status, r.trigger, r.ad_ids])).toEqual([
      [full.run_id, "requested", "ops", null],
      [run_id, "requested", "ops", ["ad-1"]],
    ]);
    // As the recon worker stores a finished recount: one mismatch.
    const pool = t.db.$client;
    await storeRecountOutcome(pool, full.run_id ?? 0, "reconcile", {
      endOffsets: new Map([[0, 10]]),
      records: 10,
      cells: 1,
      mismatches: [{ adId: "ad-1", minute: Date.parse(FROM), country: "US", expected: 4, actual: 3 }],
    });
    const detail = await ops.recon.run({ run_id: full.run_id ?? 0 });
    expect(detail.run).toMatchObject({ status: "done", mismatches: 1, records: 10 });
    expect(detail.mismatches).toEqual([
      { ad_id: "ad-1", minute: FROM, country: "US", expected: 4, actual: 3, difference: 1 },
    ]);
    expect((await ops.recon.runs()).verified_through).toBeNull();
    // A later clean run of the same range: verified through its end.
    const clean = await ops.recon.startReconcile({ from: FROM, to: TO });
    await storeRecountOutcome(pool, clean.run_id ?? 0, "reconcile", {
      endOffsets: new Map([[0, 12]]),
      records: 12,
      cells: 1,
      mismatches: [],
    });
    expect((await ops.recon.runs()).verified_through).toBe(TO);
    expect(await trpcCode(ops.recon.run({ run_id: 999_999 }))).toBe("NOT_FOUND");
  });

  test("bad ranges name the parameter", async () => {
    const ops = t.trpc(t.callers.opsUser);
    await expect(ops.recon.startRecalc({ from: "2026-01-05T10:00:30Z", to: TO })).rejects.toThrow(/from.*whole minute/);
    await expect(ops.recon.startRecalc({ from: TO, to: FROM })).rejects.toThrow(/from.*before to/);
  });

  test("REST answers carry verified_through (cached for a few seconds per process)", async () => {
    const res = await t.rest("/ads/ad-1/aggregated_count?minutes=5", { key: t.keys.all });
    expect(res.status).toBe(200);
    // The clean run of the previous test (the first cached read of this process).
    const body = (await res.json()) as { verified_through: string | null };
    expect(body.verified_through).toBe(TO);
    const top = await t.rest("/ads/popular_ads?count=5&window=5", { key: t.keys.all });
    expect(((await top.json()) as { verified_through: string | null }).verified_through).toBe(TO);
  });
});
