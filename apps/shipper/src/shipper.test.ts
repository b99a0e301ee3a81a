// The shipping loop on real files with an in-memory stand-in for the Kafka request: rotation by
// rename (old file drained), copytruncate, partial lines, long lines, resuming from the state
// file, and offsets that follow acknowledgements arriving out of order. The real-Kafka and
// SIGKILL cases are in shipper.integration.test.ts.
import { appendFile, mkdtemp, rename, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deadLetterSchema, type TopicMessages, topicNames } from "@adclicks/kafka";
import { pino } from "pino";
import { expect, test } from "vitest";
import { Shipper } from "./shipper";
import type { LineSink, Shipped } from "./sink";
import { loadState } from "./state";

const topics = topicNames();
const NOW = Date.now();
let n = 0;
const line = (ad = "ad-1") =>
  JSON.stringify({
    event_id: `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
    ad_id: ad,
    click_timestamp: NOW,
    user_id: "u-1",
    ip: "1.2.3.4",
    country: "US",
  });

function sink() {
  const clicks: string[] = [];
  const dead: Array<{ source: string; reason: string }> = [];
  const send = async (tms: TopicMessages[]) => {
    for (const tm of tms)
      for (const m of tm.messages) {
        const v = String(m.value);
        if (tm.topic === topics.clicks) clicks.push(JSON.parse(v).event_id);
        else dead.push(deadLetterSchema.parse(JSON.parse(v)));
      }
  };
  return { clicks, dead, send };
}

async function shipOnce(
  dir: string,
  patterns: string[],
  send: (t: TopicMessages[]) => Promise<void>,
  chunkBytes = 4096,
) {
  const shipper = new Shipper({
    patterns,
    statePath: join(dir, "state.json"),
    topics,
    send,
    logger: pino({ level: "silent" }),
    once: true,
    chunkBytes,
  });
  await shipper.run();
  return shipper;
}

const ids = (ls: string[]) => ls.map((l) => JSON.parse(l).event_id as string);
const lines = (count: number) => Array.from({ length: count }, () => line());
/** Lines the way a log file holds them: each one newline-terminated. */
const asLog = (ls: string[]) => `${ls.join("\n")}\n`;

/** A fresh directory, and the path of a (not yet written) log file in it. */
async function freshLog(name = "app.log") {
  const dir = await mkdtemp(join(tmpdir(), "shipper-"));
  return { dir, log: join(dir, name) };
}

test("ships every line once across runs, resuming from the state file", async () => {
  const { dir, log } = await freshLog("a.log");
  const first = lines(500);
  await writeFile(log, asLog(first));
  const s = sink();
  await shipOnce(dir, [join(dir, "*.log")], s.send);
  const more = lines(300);
  await appendFile(log, `${asLog(more)}not json\n`);
  await shipOnce(dir, [join(dir, "*.log")], s.send);
  expect(s.clicks).toEqual(ids([...first, ...more]));
  expect(s.dead).toEqual([expect.objectContaining({ source: `shipper:${log}:801`, reason: "malformed_json" })]);
  const state = await loadState(join(dir, "state.json"));
  expect(Object.values(state.files)).toEqual([expect.objectContaining({ path: log, line: 801 })]);
});

test("a file rotated by rename while the shipper was down is drained from its new name", async () => {
  const { dir, log } = await freshLog();
  const a = lines(100);
  await writeFile(log, asLog(a));
  const s = sink();
  await shipOnce(dir, [log], s.send);
  const tail = lines(50);
  await appendFile(log, asLog(tail));
  await rename(log, `${log}.1`);
  const b = lines(70);
  await writeFile(log, asLog(b));
  await shipOnce(dir, [log], s.send);
  expect(new Set(s.clicks)).toEqual(new Set(ids([...a, ...tail, ...b])));
  expect(s.clicks).toHaveLength(220);
});

test("copytruncate: a file that shrank or whose first bytes changed is read from 0", async () => {
  const { dir, log } = await freshLog();
  const a = lines(100);
  await writeFile(log, asLog(a));
  const s = sink();
  await shipOnce(dir, [log], s.send);
  await truncate(log, 0);
  const b = lines(300); // longer than before: only the fingerprint tells
  await writeFile(log, asLog(b));
  await shipOnce(dir, [log], s.send);
  expect(s.clicks).toEqual(ids([...a, ...b]));
});

test("a line longer than a chunk is dead-lettered once and skipped; numbering stays right", async () => {
  const { dir, log } = await freshLog();
  const a = line();
  const b = line();
  await writeFile(log, `${a}\n${"x".repeat(20_000)}\n${b}\nbad\n`);
  const s = sink();
  await shipOnce(dir, [log], s.send, 4096);
  expect(s.clicks).toEqual(ids([a, b]));
  expect(s.dead.map((d) => [d.source, d.reason])).toEqual([
    [`shipper:${log}:2`, "oversized"],
    [`shipper:${log}:4`, "malformed_json"],
  ]);
});

test("a failed request leaves the offset at the last acknowledged chunk", async () => {
  const { dir, log } = await freshLog();
  const a = lines(400);
  await writeFile(log, asLog(a));
  let calls = 0;
  const s = sink();
  const flaky = async (t: TopicMessages[]) => {
    calls++;
    if (calls === 3) throw new Error("broker fell over");
    await s.send(t);
  };
  await shipOnce(dir, [log], flaky, 4096);
  // Everything shipped in the end (the retry pass re-read from the last acknowledged chunk).
  expect(new Set(s.clicks)).toEqual(new Set(ids(a)));
});

test("offsets advance in file order, only past acknowledged chunks, whatever order the acks come in", async () => {
  const { dir, log } = await freshLog();
  const all = lines(300);
  await writeFile(log, asLog(all));
  const statePath = join(dir, "state.json");
  const size = Buffer.byteLength(asLog(all));
  // A sink of two producers whose acknowledgements the test gives, one by one.
  const calls: Array<{ bytes: number; ack: () => void; fail: (e: Error) => void }> = [];
  const sink: LineSink = {
    parallelism: 2,
    lines: (block) =>
      new Promise<Shipped>((resolve, reject) => {
        calls.push({ bytes: block.length, ack: () => resolve({ clicks: 1, deadLetters: 0 }), fail: reject });
      }),
    deadLetter: async () => ({ clicks: 0, deadLetters: 1 }),
    close: async () => {},
  };
  const shipper = new Shipper({
    patterns: [log],
    statePath,
    topics,
    sink,
    logger: pino({ level: "silent" }),
    once: true,
    chunkBytes: 4096,
    saveEveryMs: 0,
  });
  const done = shipper.run();
  const savedOffset = async () => {
    await new Promise((r) => setTimeout(r, 30)); // saves run in the background
    const s = await loadState(statePath);
    return Object.values(s.files)[0]?.offset ?? 0;
  };
  await waitFor(() => calls.length >= 4);
  calls[1]!.ack();
  calls[2]!.ack();
  expect(await savedOffset()).toBe(0); // the first chunk is not acknowledged yet
  calls[0]!.ack();
  await waitFor(async () => (await savedOffset()) === calls[0]!.bytes + calls[1]!.bytes + calls[2]!.bytes);
  // A failed chunk: nothing past it is recorded, and it is sent again from its start.
  const failedAt = calls[0]!.bytes + calls[1]!.bytes + calls[2]!.bytes;
  calls[3]!.fail(new Error("broker fell over"));
  await waitFor(() => calls.length >= 5);
  for (let i = 4; i < calls.length; i++) calls[i]!.ack();
  expect(await savedOffset()).toBe(failedAt);
  // Everything after is acknowledged as it comes; the pass after the failure starts at failedAt.
  const acker = setInterval(() => {
    for (const c of calls) c.ack();
  }, 5);
  await done;
  clearInterval(acker);
  expect(await savedOffset()).toBe(size);
  const resent = calls.slice(4).reduce((n, c) => n + c.bytes, 0);
  expect(resent).toBeGreaterThanOrEqual(size - failedAt);
});

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
