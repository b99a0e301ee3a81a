// The shipper process against the real Kafka: SIGKILL mid-file and restart ships every line
// (duplicates allowed, losses not), and rotation by rename while running loses nothing. Invalid
// lines reach the dead-letter topic naming their file and line.
import type { ChildProcess } from "node:child_process";
import { appendFile, mkdtemp, readFile, rename, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ClickFactory, createRng, DEFAULT_TRAFFIC } from "@adclicks/generator";
import { createKafka, deadLetterSchema } from "@adclicks/kafka";
import { ChildProcesses, createTestEnv, exited, readTopicUntil, type TestEnv, waitFor } from "@adclicks/test-utils";
import { afterAll, beforeAll, expect, test } from "vitest";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
let env: TestEnv;
const children = new ChildProcesses();

beforeAll(async () => {
  env = await createTestEnv("shipper");
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
      for (const m of all.splice(0)) ids.delete((JSON.parse(m.value) as { event_id: string }).event_id);
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
  expect(await stateOffsets(state)).toBeLessThan(size);

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
});

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
