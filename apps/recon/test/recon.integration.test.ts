// Reconciliation and recalculation against the real services, with a live aggregator counting
// throughout: a clean pipeline (the generator's duplicates, late and malformed events) reconciles
// to zero; a corrupted rollup cell is reported exactly, a recalculation repairs it (also when
// SIGKILLed halfway and restarted, and with late clicks arriving into the range meanwhile), its
// hourly sums with it, a second recalculation changes nothing, and Postgres, Redis and the truth
// agree at the end.
import { type ChildProcess, spawn } from "node:child_process";
import { isoMinute, MINUTE_MS, MinuteCounts, minuteOf } from "@adclicks/core";
import { claimReconRun, createPool, getVerifiedThrough, storeRecountOutcome } from "@adclicks/db";
import { ClickFactory, createRng, DEFAULT_TRAFFIC, truthKey } from "@adclicks/generator";
import { applyDeltas, createRedis, redisKeys } from "@adclicks/live";
import { recountRange } from "@adclicks/recon";
import { ChildProcesses, createTestEnv, exited, REPO_ROOT, type TestEnv, waitFor } from "@adclicks/test-utils";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  checkpointedOffsets,
  compareLiveWindows,
  hourlyDrift,
  liveWindowsMatch,
  produce,
  redisDiagnostics,
  rollupCells,
  spawnWorker,
  type WorkerProcess,
} from "../../aggregator/test/harness";

const CLI = { reconcile: "apps/recon/src/reconcile-cli.ts", recalc: "apps/recon/src/recalc-cli.ts" } as const;

let env: TestEnv;
let pool: pg.Pool;
let worker: WorkerProcess;
const children = new ChildProcesses();
/** Valid distinct clicks produced so far, per cell: what click_rollups must hold. */
const truth = new Map<string, number>();
let produced = 0;
const now = Date.now();
// The range: whole minutes in the recent past (inside Redis' hour), fully covered by the traffic.
// The truth counts a duplicate never: the traffic is dense enough that every resend falls within
// the dedup horizon (10 minutes of event time) of its first copy, as the pipeline requires.
const FROM = minuteOf(now) - 14 * MINUTE_MS;
const TO = minuteOf(now) - 4 * MINUTE_MS;
const rangeArgs = ["--from", isoMinute(FROM), "--to", isoMinute(TO)];

const childEnv = () => env.childEnv({ AGGREGATOR_GROUP: `agg-${env.id}`, LOG_LEVEL: "warn", RECON_METRICS_PORT: "0" });

function run(cli: keyof typeof CLI, args: string[]): { child: ChildProcess; out: string[] } {
  const child = children.tsx(CLI[cli], args, { env: childEnv(), stdout: "pipe" });
  const out: string[] = [];
  child.stdout?.on("data", (d) => out.push(String(d)));
  return { child, out };
}

async function runToEnd(cli: keyof typeof CLI, args = rangeArgs) {
  const r = run(cli, args);
  const code = await exited(r.child);
  return { code, stdout: r.out.join("") };
}

/** Traffic from the generator (duplicates, late and malformed mixed in) over the range's minutes. */
async function sendTraffic(
  seed: number,
  count: number,
  spanFrom = FROM,
  spanTo = TO + 2 * MINUTE_MS,
  lateRatio = 0.03,
) {
  const factory = new ClickFactory(createRng(seed), {
    ...DEFAULT_TRAFFIC,
    adCount: 200,
    users: 1_000,
    duplicateRatio: 0.05,
    lateRatio,
    malformedRatio: 0.02,
    lateMinMs: 30_000,
    lateMaxMs: 2 * MINUTE_MS,
    burstShare: 0,
  });
  const messages: { key: string; value: string }[] = [];
  for (let i = 0; i < count; i++) {
    const t = spanFrom + Math.floor((i / count) * (spanTo - spanFrom));
    const e = factory.next(t);
    messages.push({ key: e.key, value: e.line });
    if (e.click) {
      const k = truthKey(e.click.adId, minuteOf(e.click.ts), e.click.country);
      truth.set(k, (truth.get(k) ?? 0) + 1);
    }
  }
  produced += messages.length;
  await produce(env, messages, 1_000);
}

async function caughtUp() {
  await waitFor(
    "the aggregator to count everything produced",
    async () => {
      return (await checkpointedOffsets(pool, `agg-${env.id}`)) === produced;
    },
    { timeoutMs: 90_000, intervalMs: 200 },
  );
}

async function rollupsEqualTruth() {
  const cells = await rollupCells(pool);
  const got = new Map([...cells].map(([k, v]) => [k.replaceAll("|", ":"), v]));
  const want = new Map([...truth].map(([k, v]) => [k.replaceAll("\t", ":"), v]));
  return { got, want };
}

beforeAll(async () => {
  env = await createTestEnv("recon", { partitions: 4 });
  pool = createPool(env.databaseUrl, 4);
  worker = spawnWorker(env);
  await sendTraffic(1, 20_000);
  await caughtUp();
});

afterAll(async () => {
  children.killAll();
  await worker?.kill();
  await pool?.end();
  await env?.cleanup();
});

describe("reconciliation and recalculation", () => {
  test("the generator's traffic through a clean pipeline reconciles with zero mismatches", async () => {
    const { got, want } = await rollupsEqualTruth();
    expect(got).toEqual(want);
    const r = await runToEnd("reconcile");
    expect(r.stdout).toBe("");
    expect(r.code).toBe(0);
    const { rows } = await pool.query("select status, mismatches, records from recon_runs order by id desc limit 1");
    expect(rows[0]).toMatchObject({ status: "done", mismatches: 0 });
    expect(rows[0].records).toBeGreaterThan(15_000);
    expect(await getVerifiedThrough(pool)).toBe(TO);
  });

  test("a corrupted cell is reported exactly; a recalculation SIGKILLed halfway, resumed, keeps the late clicks counted after its snapshot", async () => {
    // An aggregation bug: a cell counted 7 too many, in Postgres (its minute and its hourly sums,
    // as the checkpoint path writes them) and in Redis alike.
    const { rows } = await pool.query<{ ad_id: string; m: number; country: string; clicks: number }>(
      `select ad_id, (extract(epoch from minute) * 1000)::bigint as m, country, clicks from click_rollups
        where minute >= to_timestamp($1 / 1000.0) and minute < to_timestamp($2 / 1000.0)
        order by clicks desc, ad_id limit 1`,
      [FROM, TO],
    );
    const cell = rows[0]!;
    await pool.query(
      "update click_rollups set clicks = clicks + 7 where ad_id = $1 and minute = to_timestamp($2 / 1000.0) and country = $3",
      [cell.ad_id, cell.m, cell.country],
    );
    await pool.query(
      `update click_rollups_hourly set clicks = clicks + 7
        where ad_id = $1 and hour = date_trunc('hour', to_timestamp($2 / 1000.0), 'UTC') and country = $3`,
      [cell.ad_id, cell.m, cell.country],
    );
    await pool.query(
      `update ad_clicks_hourly set clicks = clicks + 7
        where ad_id = $1 and hour = date_trunc('hour', to_timestamp($2 / 1000.0), 'UTC')`,
      [cell.ad_id, cell.m],
    );
    expect(await hourlyDrift(pool)).toEqual([]);
    const bug = new MinuteCounts();
    bug.add(cell.m, cell.country, cell.ad_id, 7);
    const redis = createRedis(env.redisUrl);
    try {
      expect(
        (
          await applyDeltas(
            redis,
            redisKeys(env.redisPrefix),
            "test-bug",
            [{ partition: 0, fromSeq: 1, toSeq: 1 }],
            bug,
          )
        ).kind,
      ).toBe("applied");
    } finally {
      redis.disconnect();
    }

    const found = await runToEnd("reconcile");
    expect(found.code).toBe(1);
    expect(found.stdout.trim().split("\n")).toEqual([
      "ad_id\tminute\tcountry\texpected\tactual",
      `${cell.ad_id}\t${isoMinute(cell.m)}\t${cell.country}\t${cell.clicks}\t${cell.clicks + 7}`,
    ]);
    // The range found with a mismatch is no longer verified.
    expect(await getVerifiedThrough(pool)).toBe(FROM);

    // Kill the recalculation halfway through its recount.
    const first = run("recalc", rangeArgs);
    await waitFor(
      "the recalculation to be recounting",
      async () => {
        const r = await pool.query(
          "select phase, progress from recon_runs where kind = 'recalc' order by id desc limit 1",
        );
        return r.rows[0]?.phase === "recount";
      },
      { timeoutMs: 30_000, intervalMs: 10 },
    );
    first.child.kill("SIGKILL");
    expect(await exited(first.child)).toBeNull();
    const killed = await pool.query("select id, status, phase from recon_runs where kind = 'recalc'");
    expect(killed.rows).toEqual([expect.objectContaining({ status: "running", phase: "recount" })]);

    // Resumed, and crashed again right after its shadow is stored (in this process: the steps
    // carryOut takes, up to the swap), at the snapshot of the live group's offsets then.
    // Its lock goes once Postgres has seen the killed process's connection close.
    const claimed = await waitFor(
      "the killed run's lock to be free",
      () => claimReconRun(pool, "test", killed.rows[0].id),
      {
        timeoutMs: 15_000,
        intervalMs: 100,
      },
    );
    const admin = env.kafka.admin();
    await admin.connect();
    try {
      const deps = { pool, kafka: env.kafka, admin, topic: env.topics.clicks, group: `agg-${env.id}`, operator: {} };
      const range = { fromMs: FROM, toMs: TO };
      await storeRecountOutcome(pool, claimed.run.id, "recalc", await recountRange(deps, range));
    } finally {
      await admin.disconnect();
      await claimed.release();
    }
    // Late clicks into the range, and clicks of now, counted by the live path after the snapshot.
    await sendTraffic(2, 4_000, TO - 4 * MINUTE_MS, TO, 0);
    await sendTraffic(3, 2_000, now, now + 20_000);
    await caughtUp();

    const second = await runToEnd("recalc");
    expect(second.code).toBe(0);
    const runs = await pool.query(
      "select id, status, phase, mismatches, corrected from recon_runs where kind = 'recalc'",
    );
    // The same run, resumed, not a second one: the swap kept what the live path counted since.
    expect(runs.rows).toEqual([
      expect.objectContaining({
        id: killed.rows[0].id,
        status: "done",
        phase: "refreshed",
        mismatches: 1,
        corrected: 1,
      }),
    ]);

    await caughtUp();
    const { got, want } = await rollupsEqualTruth();
    expect(got).toEqual(want);
    // The long windows (hourly sums) were repaired with the minutes.
    expect(await hourlyDrift(pool)).toEqual([]);
    const clean = await runToEnd("reconcile");
    expect(clean.stdout).toBe("");
    expect(clean.code).toBe(0);
    expect(await getVerifiedThrough(pool)).toBe(TO);
    const live = await waitFor(
      "Redis to match Postgres",
      async () => {
        const c = await compareLiveWindows(env, pool);
        return liveWindowsMatch(c) ? c : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    ).catch(async (err) => {
      console.error(JSON.stringify(await redisDiagnostics(env, pool), null, 1));
      throw err;
    });
    expect(live.windows.length).toBeGreaterThan(0);
  });

  test("a second recalculation, with late clicks arriving while it runs, changes nothing but counts them", async () => {
    const [again] = await Promise.all([runToEnd("recalc"), sendTraffic(4, 4_000, TO - 3 * MINUTE_MS, TO, 0)]);
    expect(again.code).toBe(0);
    const { rows } = await pool.query(
      "select mismatches, corrected, status from recon_runs where kind = 'recalc' order by id desc limit 1",
    );
    expect(rows[0]).toEqual({ mismatches: 0, corrected: 0, status: "done" });
    await caughtUp();
    const { got, want } = await rollupsEqualTruth();
    expect(got).toEqual(want);
    expect((await runToEnd("reconcile")).code).toBe(0);
  });

  test("bad arguments: a message naming the argument, and exit 2", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", CLI.reconcile, "--from", "10:00", "--to", "2026-12-02T11:00:00Z"],
      {
        cwd: REPO_ROOT,
        env: childEnv(),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const err: string[] = [];
    child.stderr.on("data", (d) => err.push(String(d)));
    expect(await exited(child)).toBe(2);
    expect(err.join("")).toContain("reconcile: --from must be an ISO-8601 time with a zone");
  });
});
