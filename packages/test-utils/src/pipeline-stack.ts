// The product's processes for the alerting tests, as `npm start` runs them: collector,
// aggregator, archiver and monitor on free loopback ports of an isolated test environment,
// and the traffic generator sending through the collector with an ingest key. The aggregator
// and the traffic can be stopped and started again, which is what the alerts are about.
import type { ChildProcess } from "node:child_process";
import { createDb } from "@adclicks/db/client";
import { createIngestKey } from "@adclicks/db/queries";
import { ChildProcesses, exited } from "./child-processes";
import { type TestEnv, waitFor } from "./index";
import type { ScrapeTarget } from "./monitoring-stack";
import { freePort } from "./private-servers";

export interface PipelineStack {
  /** The metrics port of every process, by job. */
  targets: ScrapeTarget[];
  aggregatorGroup: string;
  startAggregator(): Promise<void>;
  stopAggregator(): Promise<void>;
  startTraffic(eventsPerSecond?: number): void;
  stopTraffic(): Promise<void>;
  stop(): Promise<void>;
}

const metricsUp = (port: number) =>
  fetch(`http://127.0.0.1:${port}/metrics`).then(
    (r) => r.ok,
    () => false,
  );

export async function startPipelineStack(env: TestEnv): Promise<PipelineStack> {
  const children = new ChildProcesses();
  const group = `agg-${env.id}`;
  const collectorPort = await freePort();
  const collectorMetrics = await freePort();
  const aggregatorMetrics = await freePort();
  const archiverPort = await freePort();
  const monitorPort = await freePort();
  const db = createDb(env.databaseUrl, 1);
  const { key } = await createIngestKey(db, { name: `alerting-${env.id}`, eventsPerSecond: 100_000 });
  await db.$client.end();
  const childEnv = (extra: Record<string, string>) =>
    env.childEnv({ LOG_LEVEL: "warn", AGGREGATOR_GROUP: group, ...extra });
  const run = (script: string, args: string[], extra: Record<string, string>) =>
    children.tsx(script, args, { env: childEnv(extra), stdout: "ignore" });

  run("apps/collector/src/main.ts", [], {
    COLLECTOR_PORT: String(collectorPort),
    COLLECTOR_HOST: "127.0.0.1",
    COLLECTOR_METRICS_PORT: String(collectorMetrics),
  });
  run("apps/archiver/src/main.ts", [], { ARCHIVER_PORT: String(archiverPort) });
  run("apps/monitor/src/main.ts", [], { MONITOR_PORT: String(monitorPort) });
  let aggregator: ChildProcess | undefined;
  let traffic: ChildProcess | undefined;
  const targets: ScrapeTarget[] = [
    { job: "collector", port: collectorMetrics },
    { job: "aggregator", port: aggregatorMetrics },
    { job: "archiver", port: archiverPort },
    { job: "monitor", port: monitorPort },
  ];
  const stack: PipelineStack = {
    targets,
    aggregatorGroup: group,
    async startAggregator() {
      // start.ts runs the worker with the Node flags of runtime.ts, as npm start does.
      aggregator = run("apps/aggregator/src/start.ts", [], {
        METRICS_PORT: String(aggregatorMetrics),
        CHECKPOINT_INTERVAL_MS: "500",
        IDLE_TIMEOUT_MS: "3000",
        KAFKA_SESSION_TIMEOUT_MS: "6000",
      });
      await waitFor("the aggregator's /metrics", () => metricsUp(aggregatorMetrics), {
        timeoutMs: 60_000,
        intervalMs: 250,
      });
    },
    async stopAggregator() {
      if (!aggregator) return;
      aggregator.kill("SIGTERM");
      await exited(aggregator);
      aggregator = undefined;
    },
    startTraffic(eventsPerSecond = 40) {
      traffic = children.tsx(
        "apps/generator/src/main.ts",
        [
          ...["--target", "http", "--url", `http://127.0.0.1:${collectorPort}/v1/clicks`],
          ...["--rate", String(eventsPerSecond), "--batch", "10", "--ads", "50", "--malformed", "0.01", "--quiet"],
        ],
        { env: childEnv({ GENERATOR_INGEST_KEY: key }), stdout: "ignore" },
      );
    },
    async stopTraffic() {
      if (!traffic) return;
      traffic.kill("SIGTERM");
      await exited(traffic);
      traffic = undefined;
    },
    async stop() {
      await stack.stopTraffic();
      await stack.stopAggregator();
      children.killAll("SIGTERM");
    },
  };
  await stack.startAggregator();
  for (const t of targets)
    await waitFor(`the ${t.job}'s /metrics`, () => metricsUp(t.port), { timeoutMs: 60_000, intervalMs: 250 });
  return stack;
}
