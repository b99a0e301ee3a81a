// `npm run chaos`: faults injected while a known stream flows. Each scenario gets a pipeline of
// its own (database, topics, Redis prefix; apps under the supervisor), a generator sending over
// HTTP with a ground truth, its faults, then a wait until the API is exact again and a
// comparison of every (ad, minute, country) with the truth: clicks lost and double counted must
// both be 0.
import { createPool } from "@adclicks/db";
import { createRng, type GroundTruth, type Rng } from "@adclicks/generator";
import { createRedis } from "@adclicks/live";
import { DEFAULT_RESTART_POLICY, type RestartPolicyOptions } from "@adclicks/supervisor";
import { waitFor } from "@adclicks/test-utils";
import { type Comparison, compareCells, liveTotalsMatch, totalsMatch } from "./compare";
import { startGenerator } from "./generator-run";
import { type AppName, type Pipeline, type Servers, startPipeline } from "./pipeline";
import type { PrivateKafka, PrivatePostgres, PrivateRedis } from "./private-infra";

/**
 * The supervisor's policy in the chaos runs: the production shape (1 s doubling), capped at 4 s
 * rather than 30 s and never giving up, so ten kills in a row fit the suite's 15 minutes.
 */
export const CHAOS_POLICY: RestartPolicyOptions = {
  ...DEFAULT_RESTART_POLICY,
  maxDelayMs: 4_000,
  maxFastFailures: 1_000,
};

/** The servers a scenario may stop, restart or flush (absent on shared servers). */
export interface ServerControl {
  kafka?: PrivateKafka;
  postgres?: PrivatePostgres;
  redis?: PrivateRedis;
}

export interface ScenarioContext {
  pipeline: Pipeline;
  control: ServerControl;
  rng: Rng;
  log: (msg: string) => void;
  /** Counts one injected fault (the first one starts the recovery clock). */
  fault: (what: string) => void;
}

export interface Scenario {
  name: string;
  /** Which servers it needs to control. */
  needs?: (keyof ServerControl)[];
  inject(ctx: ScenarioContext): Promise<void>;
  /** Further checks once the counts are exact (e.g. the raw archive); problems as sentences. */
  verify?(ctx: ScenarioContext, truth: GroundTruth): Promise<string[]>;
}

export interface ScenarioResult {
  name: string;
  faults: number;
  restarts: number;
  /** Events the collector acknowledged (valid, late, duplicate and malformed). */
  sent: number;
  /** Valid distinct clicks among them (the ground truth). */
  clicks: number;
  counted: number;
  lost: number;
  doubleCounted: number;
  /** From the first fault until the API was exact again (the stream ends in between). */
  recoverS: number | null;
  /** From the end of the stream until the API was exact. */
  settleS: number | null;
  problems: string[];
  comparison?: Comparison;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (rng: Rng, lo: number, hi: number) => lo + rng.next() * (hi - lo);

function first(p: Pipeline, name: AppName) {
  const s = p.apps.get(name)?.[0];
  if (!s) throw new Error(`no ${name} running`);
  return s;
}

/** SIGKILLs the app's running process `times` times, each a random while after it came up. */
async function killRepeatedly(ctx: ScenarioContext, name: AppName, times: number, upMs: [number, number]) {
  for (let i = 0; i < times; i++) {
    const s = first(ctx.pipeline, name);
    const pid = await waitFor(`${name} to be running`, () => s.pid, { timeoutMs: 60_000, intervalMs: 50 });
    await sleep(between(ctx.rng, upMs[0], upMs[1]));
    if (s.pid !== pid) continue;
    ctx.fault(`SIGKILL ${name} (pid ${pid})`);
    process.kill(pid, "SIGKILL");
    await waitFor(`${name} ${pid} to be gone`, () => s.pid !== pid, { timeoutMs: 10_000, intervalMs: 20 });
  }
}

export function aggregatorKills(times: number): Scenario {
  return {
    name: `aggregator SIGKILL ×${times}`,
    inject: (ctx) => killRepeatedly(ctx, "aggregator", times, [1_500, 6_000]),
  };
}

export function collectorKills(times: number): Scenario {
  return {
    name: `collector SIGKILL ×${times}`,
    inject: (ctx) => killRepeatedly(ctx, "collector", times, [2_000, 5_000]),
  };
}

/** The short version run inside `npm test`: one kill of each, on whatever servers are given. */
export const SHORT_SCENARIO: Scenario = {
  name: "aggregator and collector SIGKILL",
  async inject(ctx) {
    await killRepeatedly(ctx, "aggregator", 1, [1_000, 3_000]);
    await killRepeatedly(ctx, "collector", 1, [1_000, 3_000]);
  },
};

async function restart(
  ctx: ScenarioContext,
  server: { name: string; stop(): Promise<void>; start(): Promise<void> },
  downMs: number,
) {
  ctx.fault(`${server.name} stopped`);
  await server.stop();
  await sleep(downMs);
  await server.start();
  ctx.log(`${server.name} started again`);
}

export const FULL_SCENARIOS: Scenario[] = [
  aggregatorKills(10),
  collectorKills(3),
  {
    name: "Kafka broker stopped, restarted",
    needs: ["kafka"],
    inject: (ctx) => restart(ctx, ctx.control.kafka!, 5_000),
  },
  {
    name: "Postgres restarted",
    needs: ["postgres"],
    inject: (ctx) => restart(ctx, ctx.control.postgres!, 3_000),
  },
  {
    name: "Redis flushed",
    needs: ["redis"],
    async inject(ctx) {
      const redis = createRedis(ctx.control.redis!.url);
      try {
        ctx.fault("FLUSHALL");
        await redis.flushall();
      } finally {
        redis.disconnect();
      }
    },
  },
  {
    name: "Redis restarted (empty)",
    needs: ["redis"],
    inject: (ctx) => restart(ctx, ctx.control.redis!, 2_000),
  },
  {
    name: "second aggregator added, one removed",
    async inject(ctx) {
      ctx.fault("aggregator added");
      ctx.pipeline.addAggregator();
      await sleep(10_000);
      ctx.fault("first aggregator removed");
      await ctx.pipeline.removeApp("aggregator", 0);
      await sleep(4_000);
    },
  },
  {
    name: "archiver SIGKILL ×3, raw archive complete",
    inject: (ctx) => killRepeatedly(ctx, "archiver", 3, [2_000, 5_000]),
    async verify(ctx, truth) {
      const pool = createPool(ctx.pipeline.databaseUrl, 1);
      try {
        const counts = async () =>
          (
            await pool.query<{ n: number; d: number }>(
              "select count(*)::int as n, count(distinct event_id)::int as d from raw_clicks",
            )
          ).rows[0]!;
        const c = await waitFor(
          "the raw archive to catch up",
          async () => {
            const r = await counts();
            return r.n >= truth.clicks && r;
          },
          { timeoutMs: 60_000, intervalMs: 500 },
        ).catch(counts);
        const out: string[] = [];
        if (c.n !== c.d) out.push(`raw_clicks holds ${c.n - c.d} event ids more than once`);
        if (c.d !== truth.clicks) out.push(`raw_clicks holds ${c.d} distinct clicks, the truth ${truth.clicks}`);
        return out;
      } finally {
        await pool.end();
      }
    },
  },
];

export interface RunOptions {
  servers: Servers;
  control: ServerControl;
  dir: string;
  rate: number;
  ads: number;
  /** Seconds of stream before the first fault and after the last. */
  leadS: number;
  settleTimeoutS: number;
  seed: string;
  log: (msg: string) => void;
}

export async function runScenario(scenario: Scenario, index: number, opts: RunOptions): Promise<ScenarioResult> {
  const label = `s${index + 1}`;
  const missing = (scenario.needs ?? []).filter((k) => opts.control[k] === undefined);
  if (missing.length > 0) throw new Error(`${scenario.name} needs private ${missing.join(", ")}`);
  const pipeline = await startPipeline(opts.servers, {
    label,
    logDir: opts.dir,
    policy: CHAOS_POLICY,
    // A SIGKILLed consumer's partitions move on after this, not the production 30 s.
    env: { KAFKA_SESSION_TIMEOUT_MS: "6000" },
  });
  let faults = 0;
  let firstFaultAt: number | undefined;
  const ctx: ScenarioContext = {
    pipeline,
    control: opts.control,
    rng: createRng(`${opts.seed}-${index}`),
    log: (m) => opts.log(`  ${scenario.name}: ${m}`),
    fault: (what) => {
      faults++;
      firstFaultAt ??= Date.now();
      opts.log(`  ${scenario.name}: fault ${faults}: ${what}`);
    },
  };
  const ads = Array.from({ length: opts.ads }, (_, i) => `ad-${i + 1}`);
  const client = { apiUrl: pipeline.apiUrl, apiKey: pipeline.apiKey };
  try {
    const gen = startGenerator(pipeline.collectorUrl, opts.dir, label, {
      rate: opts.rate,
      ads: opts.ads,
      seed: `${opts.seed}-${index}`,
      extra: ["--duration", "3600"],
    });
    // The stream flows and is counted before the first fault.
    await waitFor(
      "the first clicks counted",
      async () => {
        const r = await fetch(`${pipeline.apiUrl}/ads/popular_ads?window=5`, {
          headers: { authorization: `Bearer ${pipeline.apiKey}` },
        });
        return r.status === 200 && ((await r.json()) as { ads: unknown[] }).ads.length > 0;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    await sleep(opts.leadS * 1000);
    await scenario.inject(ctx);
    // The generator stops only once the collector takes batches again: what it sent and was
    // not acknowledged is retried until it is, as an ad server would.
    await pipeline.waitReady(120_000);
    await sleep(opts.leadS * 1000);
    const truth = await gen.finish();
    const streamEnd = Date.now();
    opts.log(`  ${scenario.name}: stream ended (${truth.clicks} valid distinct clicks); waiting for exact counts`);
    let exactAt: number | undefined;
    try {
      // Both read paths: Postgres rollups (from/to) and the Redis live windows (minutes=15).
      const exact = async () => (await totalsMatch(client, truth, ads)) && liveTotalsMatch(client, truth, ads);
      await waitFor("per-ad totals equal to the truth, from Postgres and from Redis", exact, {
        timeoutMs: opts.settleTimeoutS * 1000,
        intervalMs: 1_000,
      });
      exactAt = Date.now();
    } catch (err) {
      opts.log(`  ${scenario.name}: ${(err as Error).message}`);
    }
    const comparison = await compareCells(client, truth, ads);
    const problems = [...comparison.examples];
    if (exactAt === undefined) problems.unshift(`not exact within ${opts.settleTimeoutS} s of the stream's end`);
    if (scenario.verify) problems.push(...(await scenario.verify(ctx, truth)));
    const t = truth.totals;
    return {
      name: scenario.name,
      faults,
      restarts: pipeline.events.filter((l) => l.includes(": restarting in")).length,
      sent: t.valid + t.late + t.duplicate + t.malformed,
      clicks: truth.clicks,
      counted: comparison.counted,
      lost: comparison.lost,
      doubleCounted: comparison.doubleCounted,
      recoverS: exactAt !== undefined && firstFaultAt !== undefined ? (exactAt - firstFaultAt) / 1000 : null,
      settleS: exactAt !== undefined ? (exactAt - streamEnd) / 1000 : null,
      problems,
      comparison,
    };
  } finally {
    await pipeline.destroy();
  }
}

export function passed(r: ScenarioResult): boolean {
  return r.lost === 0 && r.doubleCounted === 0 && r.counted === r.clicks && r.problems.length === 0;
}

export function formatTable(results: ScenarioResult[]): string {
  const head = [
    "scenario",
    "faults",
    "restarts",
    "sent",
    "clicks",
    "counted",
    "lost",
    "double",
    "recover s",
    "settle s",
    "",
  ];
  const rows = results.map((r) => [
    r.name,
    String(r.faults),
    String(r.restarts),
    r.sent.toLocaleString("en-US"),
    r.clicks.toLocaleString("en-US"),
    r.counted.toLocaleString("en-US"),
    String(r.lost),
    String(r.doubleCounted),
    r.recoverS === null ? "—" : r.recoverS.toFixed(1),
    r.settleS === null ? "—" : r.settleS.toFixed(1),
    passed(r) ? "ok" : "FAIL",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
