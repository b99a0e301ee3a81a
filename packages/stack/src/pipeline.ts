// One isolated pipeline on given servers: a database, topics and Redis prefix of its own, and
// the apps as `npm start` runs them, each under the supervisor (aggregator, collector, archiver,
// and the REST API server), logging to files. What the chaos suite and the bench drive.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { WORKER_ENV, WORKER_NODE_FLAGS } from "@adclicks/aggregator/runtime";
import { dropDatabase, migrateDatabase } from "@adclicks/db";
import { createDb } from "@adclicks/db/client";
import { createApiKey } from "@adclicks/db/queries";
import { createKafka, ensureTopics, topicNames } from "@adclicks/kafka";
import { DEFAULT_RESTART_POLICY, type RestartPolicyOptions, Supervisor } from "@adclicks/supervisor";
import { freePort, REPO_ROOT, waitFor } from "@adclicks/test-utils";

export interface Servers {
  kafkaBrokers: string;
  /** A server URL; the pipeline makes a database of its own on it. */
  postgresUrl: string;
  redisUrl: string;
}

export type AppName = "aggregator" | "collector" | "archiver" | "api";

export interface PipelineOptions {
  label: string;
  /** Where the apps' logs and the supervisors' lines go. */
  logDir: string;
  partitions?: number;
  policy?: RestartPolicyOptions;
  /** Extra environment for every app (e.g. a shorter Kafka session timeout). */
  env?: Record<string, string>;
  /** Extra Node flags for one app (e.g. --cpu-prof for the one to profile). */
  nodeFlags?: Partial<Record<AppName, string[]>>;
}

export interface Pipeline {
  label: string;
  databaseUrl: string;
  redisPrefix: string;
  topicSuffix: string;
  collectorUrl: string;
  apiUrl: string;
  apiKey: string;
  /** Running supervisors by app; the aggregator may have several. */
  apps: Map<AppName, Supervisor[]>;
  /** The supervisors' lines (starts, exits with code or signal, restarts). */
  events: string[];
  env: NodeJS.ProcessEnv;
  addAggregator(): Supervisor;
  /** Every app running, the collector ready (Kafka reachable) and the API answering. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Stops one app's supervisor (and app) for good; the default is the newest. */
  removeApp(name: AppName, index?: number): Promise<void>;
  stop(): Promise<void>;
  /** Stops the apps, deletes the topics and drops the database. */
  destroy(): Promise<void>;
}

/** Each app's entry point, Node flags and environment; the aggregator's as `npm start` runs it. */
const COMMANDS: Record<AppName, { script: string; nodeFlags?: string[]; env?: Record<string, string> }> = {
  aggregator: { script: "apps/aggregator/src/main.ts", nodeFlags: WORKER_NODE_FLAGS, env: WORKER_ENV },
  collector: { script: "apps/collector/src/main.ts" },
  archiver: { script: "apps/archiver/src/main.ts" },
  api: { script: "packages/stack/src/api-server.ts" },
};

export async function startPipeline(servers: Servers, opts: PipelineOptions): Promise<Pipeline> {
  const id = `${opts.label.replace(/[^a-z0-9]/gi, "").toLowerCase()}_${randomBytes(3).toString("hex")}`;
  const db = new URL(servers.postgresUrl);
  db.pathname = `/stack_${id}`;
  const databaseUrl = db.toString();
  await migrateDatabase(databaseUrl);
  const topicSuffix = `-stack-${id}`;
  const kafka = createKafka(servers.kafkaBrokers, `stack-${id}`);
  await waitFor("Kafka to accept topics", async () => {
    await ensureTopics(kafka, topicNames(topicSuffix), opts.partitions ?? 4);
    return true;
  });
  const redisPrefix = `s-${id}`.replace(/_/g, "-").slice(0, 32);
  const dbClient = createDb(databaseUrl, 1);
  const { key: apiKey } = await createApiKey(dbClient, {
    name: "stack",
    scope: { kind: "all" },
    rateLimitPerMinute: 10_000_000,
  });
  await dbClient.$client.end();
  const [collectorPort, collectorMetrics, archiverPort, apiPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  mkdirSync(opts.logDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: servers.redisUrl,
    REDIS_PREFIX: redisPrefix,
    KAFKA_BROKERS: servers.kafkaBrokers,
    KAFKA_TOPIC_SUFFIX: topicSuffix,
    LOG_LEVEL: "warn",
    METRICS_PORT: "0",
    COLLECTOR_PORT: String(collectorPort),
    COLLECTOR_HOST: "127.0.0.1",
    COLLECTOR_METRICS_PORT: String(collectorMetrics),
    // The generator sends without a key: the stack's collector is on loopback only.
    COLLECTOR_ALLOW_ANONYMOUS: "1",
    COLLECTOR_ANONYMOUS_EVENTS_PER_SECOND: "10000000",
    ARCHIVER_PORT: String(archiverPort),
    API_PORT: String(apiPort),
    ...opts.env,
  };
  const events: string[] = [];
  const apps = new Map<AppName, Supervisor[]>();
  let instances = 0;
  const launch = (name: AppName): Supervisor => {
    const n = ++instances;
    const s = new Supervisor(
      {
        name: `${name}-${n}`,
        command: process.execPath,
        args: [
          ...(COMMANDS[name].nodeFlags ?? []),
          ...(opts.nodeFlags?.[name] ?? []),
          "--import",
          "tsx",
          join(REPO_ROOT, COMMANDS[name].script),
        ],
        cwd: REPO_ROOT,
        env: { ...env, ...COMMANDS[name].env },
        logFile: join(opts.logDir, `${opts.label}-${name}-${n}.log`),
      },
      { policy: opts.policy ?? DEFAULT_RESTART_POLICY, log: (l) => events.push(l), stopTimeoutMs: 15_000 },
    );
    apps.set(name, [...(apps.get(name) ?? []), s]);
    return s;
  };
  for (const name of ["aggregator", "collector", "archiver", "api"] as const) launch(name);
  const collectorUrl = `http://127.0.0.1:${collectorPort}/v1/clicks`;
  const apiUrl = `http://127.0.0.1:${apiPort}/api/v1`;
  const stopAll = async () => {
    await Promise.all([...apps.values()].flat().map((s) => s.stop()));
    apps.clear();
  };
  const pipeline: Pipeline = {
    label: opts.label,
    databaseUrl,
    redisPrefix,
    topicSuffix,
    collectorUrl,
    apiUrl,
    apiKey,
    apps,
    events,
    env,
    addAggregator: () => launch("aggregator"),
    async removeApp(name, index) {
      const list = apps.get(name) ?? [];
      const i = index ?? list.length - 1;
      const s = list[i];
      if (!s) throw new Error(`no ${name} #${i} to remove`);
      list.splice(i, 1);
      await s.stop();
    },
    async waitReady(timeoutMs = 60_000) {
      await waitFor(
        "every app running, the collector ready and the API answering",
        async () => {
          if (![...apps.values()].flat().every((s) => s.pid !== undefined)) return false;
          const [c, a] = await Promise.all([
            fetch(`http://127.0.0.1:${collectorPort}/readyz`).then(
              (r) => r.status === 200,
              () => false,
            ),
            fetch(`${apiUrl}/ads/popular_ads`, { headers: { authorization: `Bearer ${apiKey}` } }).then(
              (r) => r.status === 200,
              () => false,
            ),
          ]);
          return c && a;
        },
        { timeoutMs, intervalMs: 250 },
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${events.slice(-20).join("\n")}\n(logs in ${opts.logDir})`);
      });
    },
    stop: stopAll,
    async destroy() {
      await stopAll();
      const admin = kafka.admin();
      try {
        await admin.connect();
        const t = topicNames(topicSuffix);
        await admin.deleteTopics({ topics: [t.clicks, t.deadLetters, t.counts] });
      } catch (err) {
        console.error(`could not delete the topics *${topicSuffix}`, err);
      } finally {
        await admin.disconnect();
      }
      await dropDatabase(databaseUrl).catch((err: unknown) => console.error(`could not drop ${databaseUrl}`, err));
    },
  };
  await pipeline.waitReady(120_000);
  return pipeline;
}
