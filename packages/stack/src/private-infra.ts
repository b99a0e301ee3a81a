// Private Kafka, Postgres and Redis for fault injection (`npm run chaos`, `npm run bench`): real
// servers from the installed binaries on ports of their own, with data under a directory the
// caller names (the worktree's .data/), so stopping, restarting or flushing them never touches
// the shared servers on 9092, 5432 and 6379 that everyone else uses.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, portOpen, REPO_ROOT } from "@adclicks/test-utils";

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const exitedOf = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;

/** A server process that can be stopped and started again on the same port and data. */
export interface RestartableServer {
  readonly name: string;
  readonly port: number;
  readonly pid: number | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface PrivateKafka extends RestartableServer {
  brokers: string;
}

/** One KRaft broker+controller (the jars scripts/infra.sh fetched into .cache/kafka/libs). */
export async function privateKafka(dir: string): Promise<PrivateKafka> {
  const libs = join(REPO_ROOT, ".cache/kafka/libs");
  if (!existsSync(join(libs, ".complete"))) throw new Error(`no Kafka jars in ${libs}: run npm run infra once`);
  const port = await freePort();
  const controllerPort = await freePort();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const props = join(dir, "server.properties");
  writeFileSync(
    props,
    [
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      "controller.listener.names=CONTROLLER",
      "inter.broker.listener.name=PLAINTEXT",
      "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
      `log.dirs=${join(dir, "logs")}`,
      "auto.create.topics.enable=false",
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=4",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "share.coordinator.state.topic.replication.factor=1",
      "share.coordinator.state.topic.min.isr=1",
      "group.initial.rebalance.delay.ms=0",
      "num.network.threads=2",
      "num.io.threads=2",
      "",
    ].join("\n"),
  );
  const java = (args: string[]) => [
    "-Xms256m",
    "-Xmx512m",
    "-XX:+UseG1GC",
    `-Dlog4j2.configurationFile=${join(REPO_ROOT, "infra/kafka/log4j2.properties")}`,
    "-cp",
    `${libs}/*`,
    ...args,
  ];
  // A cluster id is 16 random bytes in URL-safe base64 (what StorageTool random-uuid prints).
  const clusterId = randomBytes(16).toString("base64url");
  execFileSync("java", java(["kafka.tools.StorageTool", "format", "-t", clusterId, "-c", props]), { stdio: "ignore" });
  let proc: ChildProcess | undefined;
  const server: PrivateKafka = {
    name: "kafka",
    port,
    brokers: `127.0.0.1:${port}`,
    get pid() {
      return proc && !exitedOf(proc) ? proc.pid : undefined;
    },
    async start() {
      const log = openSync(join(dir, "kafka.log"), "a");
      proc = spawn("java", java(["kafka.Kafka", props]), { stdio: ["ignore", log, log] });
      await until(`Kafka on ${port}`, () => portOpen(port));
    },
    async stop() {
      const p = proc;
      if (!p || exitedOf(p)) return;
      p.kill("SIGTERM");
      await until("Kafka to stop", () => exitedOf(p), 60_000).catch(async () => {
        p.kill("SIGKILL");
        await until("Kafka to die", () => exitedOf(p));
      });
    },
  };
  await server.start();
  return server;
}

export interface PrivatePostgres extends RestartableServer {
  /** The server's URL (database `postgres`); a database of one's own is made from it. */
  url: string;
}

/** initdb + pg_ctl in `dir` (as the postgres user when we are root). */
export async function privatePostgres(dir: string): Promise<PrivatePostgres> {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(a) - Number(b));
  const bin = join("/usr/lib/postgresql", versions.at(-1) ?? "", "bin");
  if (!existsSync(join(bin, "initdb"))) throw new Error(`initdb not found under ${bin}: install postgresql`);
  const root = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    root
      ? execFileSync("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args], { stdio: "ignore" })
      : execFileSync(join(bin, cmd), args, { stdio: "ignore" });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (root) execFileSync("chown", ["postgres", dir]);
  const data = join(dir, "data");
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-N"]);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
  const pidOf = () => {
    try {
      return Number(String(execFileSync("head", ["-n", "1", join(data, "postmaster.pid")])).trim());
    } catch {
      return undefined;
    }
  };
  const server: PrivatePostgres = {
    name: "postgres",
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    get pid() {
      return pidOf();
    },
    async start() {
      run("pg_ctl", ["-D", data, "-o", opts, "-l", join(dir, "log"), "-w", "start"]);
    },
    async stop() {
      run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
    },
  };
  await server.start();
  return server;
}

export interface PrivateRedis extends RestartableServer {
  url: string;
}

/** redis-server without persistence: a restart loses everything, as a crash would. */
export async function privateRedis(dir: string): Promise<PrivateRedis> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const server: PrivateRedis = {
    name: "redis",
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return proc && !exitedOf(proc) ? proc.pid : undefined;
    },
    async start() {
      proc = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
        { stdio: "ignore" },
      );
      await until(`Redis on ${port}`, () => portOpen(port));
    },
    async stop() {
      const p = proc;
      if (!p || exitedOf(p)) return;
      p.kill("SIGTERM");
      await until("Redis to stop", () => exitedOf(p));
    },
  };
  await server.start();
  return server;
}

export interface PrivateInfra {
  kafka: PrivateKafka;
  postgres: PrivatePostgres;
  redis: PrivateRedis;
  stop(): Promise<void>;
}

/** All three under `dir` (kafka/, postgres/, redis/), started in parallel. */
export async function startPrivateInfra(dir: string): Promise<PrivateInfra> {
  const [kafka, postgres, redis] = await Promise.all([
    privateKafka(join(dir, "kafka")),
    privatePostgres(join(dir, "postgres")),
    privateRedis(join(dir, "redis")),
  ]);
  return {
    kafka,
    postgres,
    redis,
    async stop() {
      await Promise.allSettled([kafka.stop(), postgres.stop(), redis.stop()]);
    },
  };
}
