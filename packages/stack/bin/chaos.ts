// `npm run chaos`: starts private Kafka, Postgres and Redis under .data/chaos (never the shared
// ones), runs every fault scenario (src/chaos.ts) one after the other, prints a summary table,
// writes results/chaos-<time>.json, and exits 1 on any difference from the ground truth.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "@adclicks/test-utils";
import { z } from "zod";
import { FULL_SCENARIOS, formatTable, passed, runScenario, type ScenarioResult } from "../src/chaos";
import { startPrivateInfra } from "../src/private-infra";

const flags = z.strictObject({
  rate: z.coerce.number().int().min(10, "--rate must be at least 10").default(400),
  ads: z.coerce.number().int().min(1).max(1_000, "--ads must be at most 1000").default(40),
  only: z.string().optional(),
  seed: z.string().default("chaos"),
});
const { values } = parseArgs({
  options: { rate: { type: "string" }, ads: { type: "string" }, only: { type: "string" }, seed: { type: "string" } },
});
const parsed = flags.safeParse(values);
if (!parsed.success) {
  console.error(parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n"));
  process.exit(2);
}
const opts = parsed.data;
const scenarios = FULL_SCENARIOS.filter(
  (s, i) => !opts.only || opts.only.split(",").some((o) => o === String(i + 1) || s.name.toLowerCase().includes(o)),
);
const started = Date.now();
const dir = join(REPO_ROOT, ".data/chaos");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const log = (m: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}`);
log(`private Kafka, Postgres and Redis under ${dir}`);
const infra = await startPrivateInfra(dir);
log(`up: Kafka ${infra.kafka.brokers}, Postgres ${infra.postgres.port}, Redis ${infra.redis.port}`);
const results: ScenarioResult[] = [];
let failed = false;
try {
  for (const [i, s] of scenarios.entries()) {
    log(`scenario ${i + 1}/${scenarios.length}: ${s.name}`);
    const r = await runScenario(s, FULL_SCENARIOS.indexOf(s), {
      servers: { kafkaBrokers: infra.kafka.brokers, postgresUrl: infra.postgres.url, redisUrl: infra.redis.url },
      control: infra,
      dir,
      rate: opts.rate,
      ads: opts.ads,
      leadS: 3,
      settleTimeoutS: 120,
      seed: opts.seed,
      log,
    }).catch((err: unknown): ScenarioResult => {
      console.error(err);
      return {
        name: s.name,
        faults: 0,
        restarts: 0,
        sent: 0,
        clicks: 0,
        counted: 0,
        lost: 0,
        doubleCounted: 0,
        recoverS: null,
        settleS: null,
        problems: [`did not run to the end: ${(err as Error).message.split("\n")[0]}`],
      };
    });
    results.push(r);
    if (!passed(r)) failed = true;
    log(`${s.name}: ${passed(r) ? "ok" : `FAIL: ${r.problems.join("; ")}`}`);
  }
} finally {
  await infra.stop();
}
const totalS = (Date.now() - started) / 1000;
console.log(
  `\nchaos: ${results.length} scenarios in ${totalS.toFixed(0)} s (offered ${opts.rate} events/s over ${opts.ads} ads)\n`,
);
console.log(formatTable(results));
for (const r of results.filter((x) => !passed(x))) console.log(`\n${r.name}:\n  ${r.problems.join("\n  ")}`);
const out = join(REPO_ROOT, "results");
mkdirSync(out, { recursive: true });
const file = join(out, `chaos-${new Date(started).toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(file, JSON.stringify({ started: new Date(started).toISOString(), totalS, opts, results }, null, 2));
console.log(`\nresults: ${file}`);
process.exit(failed ? 1 : 0);
