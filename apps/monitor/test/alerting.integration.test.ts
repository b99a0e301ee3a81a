// Alerting end to end on the real engines: the product's processes (collector, aggregator,
// archiver, monitor, generator) scraped by a private Prometheus that evaluates
// infra/prometheus/alerts.yml (every `for:` shortened to 5 s, scrape and evaluation every 1 s)
// and notifies a private Alertmanager, which posts to a webhook receiver started here.
// promtool accepts every /metrics; a healthy stack raises nothing, with traffic and without;
// stopping the aggregator while clicks flow fires the stall and lag alerts within their
// threshold + `for:` + one evaluation, the webhook receives them, and a restart resolves them.
import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createTestEnv,
  type MonitoringStack,
  type PipelineStack,
  startMonitoringStack,
  startPipelineStack,
  type TestEnv,
  waitFor,
} from "@adclicks/test-utils";
import { afterAll, beforeAll, expect, test } from "vitest";

interface Notification {
  status: string;
  alerts: { status: string; labels: Record<string, string> }[];
}

let env: TestEnv;
let pipeline: PipelineStack;
let monitoring: MonitoringStack;
let webhook: Server;
const received: Notification[] = [];

beforeAll(async () => {
  webhook = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      received.push(JSON.parse(body) as Notification);
      res.end();
    });
  });
  await new Promise<void>((r) => webhook.listen(0, "127.0.0.1", r));
  const { port } = webhook.address() as AddressInfo;
  env = await createTestEnv("alerting", { partitions: 4 });
  [pipeline, monitoring] = await Promise.all([
    startPipelineStack(env),
    startMonitoringStack({ webhookUrl: `http://127.0.0.1:${port}/alerts` }),
  ]);
  await monitoring.setTargets(pipeline.targets);
  pipeline.startTraffic();
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
  await monitoring?.stop();
  webhook?.close();
  await env?.cleanup();
});

const query = async (promql: string) => {
  const url = `${monitoring.prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`;
  const body = (await (await fetch(url)).json()) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return body.data.result;
};

/** Polls for `ms` and fails at the first alert seen, pending or firing. */
async function expectNoAlertFor(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    expect(await monitoring.alerts()).toEqual([]);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

const firing = async (name: string) =>
  (await monitoring.alerts()).filter((a) => a.labels.alertname === name && a.state === "firing");

test("promtool check metrics accepts every process' /metrics", async () => {
  await waitFor(
    "clicks counted",
    async () => (await query("sum(aggregator_events_total)"))[0]?.value[1] !== undefined,
    {
      timeoutMs: 60_000,
      intervalMs: 500,
    },
  );
  for (const t of pipeline.targets) {
    const text = await (await fetch(`http://127.0.0.1:${t.port}/metrics`)).text();
    // promtool exits non-zero on an error; lint warnings are printed and fail the test too.
    const out = execFileSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(out, t.job).toBe("");
  }
});

test("every process is scraped with its own job and instance", async () => {
  await waitFor(
    "all targets up",
    async () => (await query("sum(up)"))[0]?.value[1] === String(pipeline.targets.length + 2),
    {
      timeoutMs: 30_000,
      intervalMs: 500,
    },
  );
  const jobs = (await query("up")).map((r) => r.metric.job).sort();
  expect(jobs).toEqual(["aggregator", "alertmanager", "archiver", "collector", "monitor", "prometheus"]);
});

test("a healthy stack raises nothing, with traffic and then with none", async () => {
  // Start-up is not the healthy state under test (consumers join their groups in seconds, and
  // `for:` is 5 s here): from the moment every partition is caught up and nothing is pending.
  await waitFor(
    "every consumer caught up, no alert pending",
    async () =>
      (await query("max(max_over_time(adclicks_consumer_stalled_seconds[5s])) < 3")).length === 1 &&
      (await monitoring.alerts()).length === 0,
    { timeoutMs: 60_000, intervalMs: 1_000 },
  );
  // Lag is measured per partition, idle dead-letter partitions included.
  expect((await query(`adclicks_consumer_lag_records{consumer="dead-letter-archive"}`)).length).toBeGreaterThan(0);
  await expectNoAlertFor(20_000);
  await pipeline.stopTraffic();
  await expectNoAlertFor(25_000);
});

test("stopping the aggregator while clicks flow fires the stall and lag alerts, notifies, and a restart resolves them", async () => {
  pipeline.startTraffic();
  await new Promise((r) => setTimeout(r, 3_000));
  const stoppedAt = Date.now();
  await pipeline.stopAggregator();
  // Threshold (20 s stalled, 30 s behind) + for: 5 s + one evaluation and scrape (1 s each), and slack.
  const stalled = await waitFor(
    "ConsumerStalled firing",
    async () => (await firing("ConsumerStalled")).length > 0 && Date.now(),
    {
      timeoutMs: 45_000,
      intervalMs: 500,
    },
  );
  expect(stalled - stoppedAt).toBeLessThan(20_000 + 5_000 + 2_000 + 5_000);
  const stalledAlerts = await firing("ConsumerStalled");
  expect(stalledAlerts.every((a) => a.labels.consumer === pipeline.aggregatorGroup)).toBe(true);
  const lagging = await waitFor(
    "ConsumerLagSeconds firing",
    async () => (await firing("ConsumerLagSeconds")).length > 0 && Date.now(),
    {
      timeoutMs: 45_000,
      intervalMs: 500,
    },
  );
  expect(lagging - stoppedAt).toBeLessThan(30_000 + 5_000 + 2_000 + 5_000);
  const notified = (name: string, status: string) =>
    received.some((n) => n.alerts.some((a) => a.labels.alertname === name && a.status === status));
  await waitFor(
    "the webhook told of both",
    () => notified("ConsumerStalled", "firing") && notified("ConsumerLagSeconds", "firing"),
    {
      timeoutMs: 15_000,
    },
  );

  await pipeline.startAggregator();
  await waitFor(
    "the stall and lag alerts resolved",
    async () => (await monitoring.alerts()).filter((a) => /^Consumer/.test(a.labels.alertname ?? "")).length === 0,
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  await waitFor("the webhook told of the resolution", () => notified("ConsumerStalled", "resolved"), {
    timeoutMs: 20_000,
  });
});
