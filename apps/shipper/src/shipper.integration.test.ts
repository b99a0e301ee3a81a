// The shipper process against the real Kafka: SIGKILL mid-file and restart ships every line
// (duplicates only past the offset it had recorded, losses never), and rotation by rename or
// copytruncate while running loses nothing. Invalid lines reach the dead-letter topic naming
// their file and line; clicks sit in the partition of their key's murmur2.
import type { ChildProcess } from "node:child_process";
import { appendFile, mkdtemp, readFile, rename, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ClickFactory, createRng, DEFAULT_TRAFFIC } from "@adclicks/generator";
import { createKafka, deadLetterSchema, partitionForKey } from "@adclicks/kafka";
import { ChildProcesses, createTestEnv, exited, readTopicUntil, type TestEnv, waitFor } from "@adclicks/test-utils";
import { afterAll, beforeAll, expect, test } from "vitest";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const PARTITIONS = 4;
let env: TestEnv;
const children = new ChildProcesses();

beforeAll(async () => {
  env = await createTestEnv("shipper", { partitions: PARTITIONS });
});
afterAll(async () => {
  children.killAll();
  await env?.cleanup();
});

const startShipper = (args: string[]): ChildProcess =>
  children.tsx(MAIN, ["--poll-ms", "50", ...args], { env: env.childEnv({ LOG_LEVEL: "warn" }) });

async function stateOffsets(path: string): Promise<number> {
  try {
    const s = JSON.parse(await readFile(path, "utf8")) as { files: Record<string, { offset: number }> };
    return Object.values(s.files).reduce((sum, f) => sum + f.offset, 0);
  } catch {
    return 0;
  }
}

/**
 * Waits until every expected event id is in the clicks topic, and every invalid line in the DLQ
 * with its line number and file (by its name when it was read: a rotated file may carry either).
 */
async function expectShipped(wantIds: Set<string>, wantSources: Map<string, string>, label: string) {
  const kafka = createKafka(env.kafkaBrokers, `check-${label}-${env.id}`);
  const ids = new Set(wantIds);
  await readTopicUntil(
    kafka,
    env.topics.clicks,
    (all) => {
      for (const m of all.splice(0)) {
        const click = JSON.parse(m.value) as { event_id: string; ad_id: string };
        expect([m.key, m.partition]).toEqual([click.ad_id, partitionForKey(click.ad_id, PARTITIONS)]);
        ids.delete(click.event_id.toLowerCase());
      }
      return ids.size === 0;
    },
    90_000,
  );
  expect(ids.size).toBe(0);
  const sources = new Map(wantSources);
  await readTopicUntil(kafka, env.topics.deadLetters, (all) => {
    for (const m of all.splice(0)) {
      const dl = deadLetterSchema.parse(JSON.parse(m.value));
      const want = sources.get(dl.payload);
      if (want !== undefined && dl.source.replace(/\.1:(\d+)$/, ":$1") === want) sources.delete(dl.payload);
    }
    return sources.size === 0;
  });
  expect(sources.size).toBe(0);
}

function makeLines(seed: string) {
  const f = new ClickFactory(createRng(seed), { ...DEFAULT_TRAFFIC, adCount: 1_000, malformedRatio: 0.03 });
  let lineNo = 0;
  /** `sources`: payload → the dead letter's expected source (file name without a rotation suffix). */
  return (file: string, n: number, ids: Set<string>, sources: Map<string, string>, startLine?: number) => {
    if (startLine !== undefined) lineNo = startLine;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const e = f.next(Date.now());
      lineNo++;
      lines.push(e.line);
      if (e.kind === "malformed") sources.set(e.line, `shipper:${file.replace(/\.1$/, "")}:${lineNo}`);
      else ids.add((JSON.parse(e.line) as { event_id: string }).event_id.toLowerCase());
    }
    return `${lines.join("\n")}\n`;
  };
}

test("SIGKILL mid-file, then restart: every line is shipped", async () => {
  const dir = await mkdtemp(join(tmpdir(), "shipper-it-"));
  const log = join(dir, "clicks.log");
  const state = join(dir, "state.json");
  const ids = new Set<string>();
  const sources = new Map<string, string>();
  const make = makeLines("kill");
  await writeFile(log, make(log, 5_000, ids, sources));

  const first = startShipper(["--state", state, join(dir, "*.log")]);
  // Keep the file growing so the kill lands while there is still unshipped data.
  await waitFor("the first acknowledged offset", async () => {
    await appendFile(log, make(log, 1_000, ids, sources));
    return (await stateOffsets(state)) > 0;
  });
  await appendFile(log, make(log, 2_000, ids, sources));
  first.kill("SIGKILL");
  await exited(first);
  const size = (await stat(log)).size;
  const recorded = await stateOffsets(state);
  expect(recorded).toBeLessThan(size);
  // The lines before the recorded offset were acknowledged: they must be in Kafka exactly once.
  const acknowledged = new Set(
    (await readFile(log))
      .subarray(0, recorded)
      .toString("utf8")
      .split("\n")
      .map((l) => /"event_id":"([^"]+)"/.exec(l)?.[1]?.toLowerCase())
      .filter((id): id is string => id !== undefined && ids.has(id)),
  );
  expect(acknowledged.size).toBeGreaterThan(0);

  await appendFile(log, make(log, 3_000, ids, sources));
  const second = startShipper(["--state", state, join(dir, "*.log")]);
  await waitFor(
    "the restarted shipper to reach the end",
    async () => (await stateOffsets(state)) === (await stat(log)).size,
    {
      timeoutMs: 60_000,
    },
  );
  second.kill("SIGTERM");
  expect(await exited(second)).toBe(0);
  await expectShipped(ids, sources, "kill");

  const copies = new Map<string, number>();
  for (const m of await readWholeTopic(env.topics.clicks, "kill-count")) {
    const id = (JSON.parse(m.value) as { event_id: string }).event_id.toLowerCase();
    copies.set(id, (copies.get(id) ?? 0) + 1);
  }
  for (const id of ids) {
    const n = copies.get(id) ?? 0;
    // Only the tail past the recorded offset may have been sent twice (once by each process).
    if (acknowledged.has(id)) expect(n, id).toBe(1);
    else expect([1, 2], id).toContain(n);
  }
});

test("copytruncate while running: the rewritten file is shipped from its start", async () => {
  const dir = await mkdtemp(join(tmpdir(), "shipper-it-"));
  const log = join(dir, "app.log");
  const state = join(dir, "state.json");
  const ids = new Set<string>();
  const sources = new Map<string, string>();
  const make = makeLines("truncate");
  await writeFile(log, make(log, 2_000, ids, sources));
  // Producing on the main thread (--workers 0) here; the other tests use worker threads.
  const child = startShipper(["--state", state, "--workers", "0", log]);
  await waitFor("the file shipped", async () => (await stateOffsets(state)) === (await stat(log)).size);
  // logrotate's copytruncate: the content is copied away, the file emptied and written anew,
  // here with more bytes than before, so only the changed first bytes tell.
  await truncate(log, 0);
  await appendFile(log, make(log, 3_000, ids, sources, 0));
  await expectShipped(ids, sources, "truncate");
  await waitFor("the new content recorded", async () => (await stateOffsets(state)) === (await stat(log)).size);
  child.kill("SIGTERM");
  expect(await exited(child)).toBe(0);
});

/** Every record of `topic` (up to its high watermarks now). */
async function readWholeTopic(topic: string, label: string) {
  const kafka = createKafka(env.kafkaBrokers, `check-${label}-${env.id}`);
  const admin = kafka.admin();
  await admin.connect();
  const total = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  await admin.disconnect();
  return readTopicUntil(kafka, topic, (all) => all.length >= total, 90_000);
}

test("rotation by rename while running (old file still written briefly): nothing lost", async () => {
  const dir = await mkdtemp(join(tmpdir(), "shipper-it-"));
  const log = join(dir, "app.log");
  const state = join(dir, "state.json");
  const ids = new Set<string>();
  const sources = new Map<string, string>();
  const make = makeLines("rotate");
  await writeFile(log, make(log, 3_000, ids, sources));
  const child = startShipper(["--state", state, "--rotate-grace-ms", "500", log]);
  await waitFor("the first file shipped", async () => (await stateOffsets(state)) === (await stat(log)).size);

  await appendFile(log, make(log, 2_000, ids, sources));
  await rename(log, `${log}.1`);
  // The application still holds the old descriptor for a moment: it appends to the renamed file.
  await appendFile(`${log}.1`, make(`${log}.1`, 500, ids, sources, 5_000));
  await writeFile(log, make(log, 3_000, ids, sources, 0));
  await appendFile(log, make(log, 1_000, ids, sources));

  await expectShipped(ids, sources, "rotate");
  // The rotated file is closed after its grace period and dropped from the state.
  await waitFor("the rotated file to leave the state", async () => {
    const s = JSON.parse(await readFile(state, "utf8")) as { files: Record<string, { path: string }> };
    return Object.values(s.files).every((f) => f.path === log);
  });
  child.kill("SIGTERM");
  expect(await exited(child)).toBe(0);
});
