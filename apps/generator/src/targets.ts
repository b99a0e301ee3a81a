// Where generated events go: the HTTP collector (with an ingest key; retrying 503s, 429s and
// refused connections until it is up; a refused key stops the run), an NDJSON log file (with
// optional rotation), or Kafka directly (as an ad server's own producer would). `send` resolves
// once the events are durably accepted.
import { type FileHandle, open, rename, stat } from "node:fs/promises";
import { createIdempotentProducer, createKafka, topicNames } from "@adclicks/kafka";
import type { GeneratedEvent } from "./events";

export interface TargetStats {
  retries: number;
  /** Events the collector rejected (answered in its 202). */
  rejected: number;
  /** Events in batches the collector refused with a 4xx (not retried, not in the truth). */
  refused: number;
}

export interface Target {
  readonly stats: TargetStats;
  /** true: accepted (count it in the truth); false: refused for good. */
  send(events: GeneratedEvent[]): Promise<boolean>;
  close(): Promise<void>;
}

export function httpTarget(
  url: string,
  format: "ndjson" | "json",
  isStopping: () => boolean,
  ingestKey?: string,
): Target {
  const stats: TargetStats = { retries: 0, rejected: 0, refused: 0 };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return {
    stats,
    async send(events) {
      const body =
        format === "ndjson" ? `${events.map((e) => e.line).join("\n")}\n` : `[${events.map((e) => e.line).join(",")}]`;
      const headers: Record<string, string> = {
        "content-type": format === "ndjson" ? "application/x-ndjson" : "application/json",
      };
      if (ingestKey) headers.authorization = `Bearer ${ingestKey}`;
      let backoff = 250;
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) stats.retries++;
        let res: Response | undefined;
        try {
          res = await fetch(url, { method: "POST", body, headers });
        } catch {
          res = undefined; // not up yet, or restarting: keep trying
        }
        if (res?.status === 202) {
          const answer = (await res.json()) as { rejected?: number };
          stats.rejected += answer.rejected ?? 0;
          return true;
        }
        if (res?.status === 401 || res?.status === 403) {
          // Every later batch would be refused the same way.
          const why = ((await res.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${res.status}`;
          throw new Error(
            `the collector refused our credentials: ${why}${ingestKey ? "" : " (set GENERATOR_INGEST_KEY to an ingest key)"}`,
          );
        }
        if (res && res.status >= 400 && res.status < 500 && res.status !== 429) {
          await res.arrayBuffer();
          stats.refused += events.length;
          return false;
        }
        const retryAfter = Number(res?.headers.get("retry-after"));
        if (res) await res.arrayBuffer();
        if (isStopping() && attempt > 3) throw new Error(`gave up on ${url} while stopping`);
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoff);
        backoff = Math.min(backoff * 2, 2_000);
      }
    },
    async close() {},
  };
}

export async function fileTarget(path: string, rotateBytes: number | undefined): Promise<Target> {
  const stats: TargetStats = { retries: 0, rejected: 0, refused: 0 };
  let fh: FileHandle = await open(path, "a");
  let size = (await stat(path)).size;
  let rotations = 0;
  // Concurrent batches must not interleave with a rotation: one write at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const write = async (events: GeneratedEvent[]) => {
    const text = `${events.map((e) => e.line).join("\n")}\n`;
    await fh.appendFile(text);
    size += Buffer.byteLength(text);
    if (rotateBytes !== undefined && size >= rotateBytes) {
      // Like logrotate's default: rename, then write a fresh file under the old name.
      await fh.close();
      await rename(path, `${path}.${++rotations}`);
      fh = await open(path, "a");
      size = 0;
    }
    return true;
  };
  return {
    stats,
    send(events) {
      const p = queue.then(() => write(events));
      // The caller handles `p`'s failure; the queue only waits for it to settle.
      queue = p.catch(() => {});
      return p;
    },
    async close() {
      await queue;
      // fsync fails on pipes and ttys (EINVAL), where there is nothing to flush; close() still reports write errors.
      await fh.sync().catch(() => {});
      await fh.close();
    },
  };
}

export async function kafkaTarget(brokers: string, topicSuffix: string): Promise<Target> {
  const stats: TargetStats = { retries: 0, rejected: 0, refused: 0 };
  const producer = createIdempotentProducer(createKafka(brokers, "generator"));
  await producer.connect();
  const topic = topicNames(topicSuffix).clicks;
  return {
    stats,
    async send(events) {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [{ topic, messages: events.map((e) => ({ key: e.key || null, value: e.line })) }],
      });
      return true;
    },
    close: () => producer.disconnect(),
  };
}
