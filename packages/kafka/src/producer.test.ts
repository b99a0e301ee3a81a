// BatchingProducer: coalescing, size-bounded requests, per-caller acknowledgement, stall and
// backpressure refusals; the murmur2 partitioner against the Java client's vectors and kafkajs'.
// The Kafka request is a plain function here; real Kafka is in the apps' integration tests.
import { createRequire } from "node:module";
import kafkajs, { type PartitionMetadata, type TopicMessages } from "kafkajs";
import { describe, expect, test } from "vitest";
import {
  BatchingProducer,
  KeyHashPartitioner,
  murmur2,
  ProducerUnavailableError,
  partitionForKey,
  splitByBytes,
} from "./producer";

const msgs = (n: number, size = 10, key = "k") =>
  Array.from({ length: n }, (_, i) => ({ key, value: `${i}`.padEnd(size, "x") }));

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("BatchingProducer", () => {
  test("coalesces callers of the same tick into one request, in order", async () => {
    const requests: TopicMessages[][] = [];
    const p = new BatchingProducer(async (tm) => {
      requests.push(tm);
    });
    await Promise.all([
      p.send([{ topic: "a", messages: msgs(3) }]),
      p.send([
        { topic: "a", messages: msgs(2) },
        { topic: "dlq", messages: msgs(1) },
      ]),
    ]);
    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req?.find((t) => t.topic === "a")?.messages).toHaveLength(5);
    expect(req?.find((t) => t.topic === "dlq")?.messages).toHaveLength(1);
  });

  test("splits a large caller across requests and resolves only after the last one", async () => {
    const gates: Array<ReturnType<typeof deferred>> = [];
    const sizes: number[] = [];
    const p = new BatchingProducer(
      (tm) => {
        sizes.push(tm.reduce((n, t) => n + t.messages.length, 0));
        const d = deferred();
        gates.push(d);
        return d.promise;
      },
      { maxRequestBytes: 10 * (64 + 1 + 100) },
    );
    let done = false;
    const sent = p.send([{ topic: "a", messages: msgs(25, 100) }]).then(() => {
      done = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(sizes).toEqual([10]);
    gates[0]?.resolve();
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    gates[1]?.resolve();
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    gates[2]?.resolve();
    await sent;
    expect(sizes).toEqual([10, 10, 5]);
    expect(p.stats().pendingMessages).toBe(0);
  });

  test("a failed request rejects its callers, later callers still succeed", async () => {
    let calls = 0;
    const p = new BatchingProducer(async () => {
      calls++;
      if (calls === 1) throw new Error("broker said no");
    });
    await expect(p.send([{ topic: "a", messages: msgs(2) }])).rejects.toThrow("broker said no");
    await expect(p.send([{ topic: "a", messages: msgs(2) }])).resolves.toBeUndefined();
    expect(p.stats()).toMatchObject({ failures: 1, requests: 2, pendingMessages: 0 });
  });

  test("refuses new batches while a request is stalled, accepts again once it completes", async () => {
    let now = 1_000;
    const gate = deferred();
    const p = new BatchingProducer(() => gate.promise, { stallAfterMs: 500, now: () => now });
    const first = p.send([{ topic: "a", messages: msgs(1) }]);
    await new Promise((r) => setImmediate(r));
    now += 501;
    expect(p.stalled).toBe(true);
    const refused = p.send([{ topic: "a", messages: msgs(1) }]);
    await expect(refused).rejects.toBeInstanceOf(ProducerUnavailableError);
    gate.resolve();
    await first;
    expect(p.stalled).toBe(false);
  });

  test("refuses batches beyond the pending bound", async () => {
    const gate = deferred();
    const p = new BatchingProducer(() => gate.promise, { maxPendingMessages: 5 });
    const first = p.send([{ topic: "a", messages: msgs(4) }]);
    await expect(p.send([{ topic: "a", messages: msgs(2) }])).rejects.toMatchObject({ why: "backpressure" });
    gate.resolve();
    await first;
    await p.close();
    await expect(p.send([{ topic: "a", messages: msgs(1) }])).rejects.toMatchObject({ why: "closed" });
  });

  test("an empty batch resolves without a request", async () => {
    let calls = 0;
    const p = new BatchingProducer(async () => {
      calls++;
    });
    await p.send([{ topic: "a", messages: [] }]);
    await p.flush();
    expect(calls).toBe(0);
  });
});

describe("splitByBytes", () => {
  test("keeps order, bounds every run, and gives an oversized message a run of its own", () => {
    // 64 bytes of overhead + key 1 + value 100 = 165 bytes a message: 6 fit in 1,000.
    const all = [...msgs(20, 100), { key: "k", value: "y".repeat(5_000) }, ...msgs(3, 100)];
    const runs = splitByBytes(all, 1_000);
    expect(runs.flat()).toEqual(all);
    expect(runs.map((r) => r.length)).toEqual([6, 6, 6, 2, 1, 3]);
    expect(splitByBytes([], 1_000)).toEqual([]);
  });
});

describe("murmur2 partitioning", () => {
  const metadata = (n: number): PartitionMetadata[] =>
    Array.from({ length: n }, (_, partitionId) => ({
      partitionId,
      partitionErrorCode: 0,
      leader: 1,
      replicas: [1],
      isr: [1],
    }));
  // kafkajs' own implementation (64-bit Longs): the partitions every earlier producer used.
  const require = createRequire(import.meta.url);
  const kafkajsMurmur2 = require("kafkajs/src/producer/partitioners/default/murmur2.js") as (
    k: string | Buffer,
  ) => number;

  test("matches the Java client's Utils.murmur2 test vectors", () => {
    const cases: Array<[string, number]> = [
      ["21", -973932308],
      ["foobar", -790332482],
      ["a-little-bit-long-string", -985981536],
      ["a-little-bit-longer-string", -1486304829],
      ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
      ["abc", 479470107],
    ];
    for (const [key, hash] of cases) {
      expect(murmur2(key), key).toBe(hash);
      expect(murmur2(Buffer.from(key)), key).toBe(hash);
    }
  });

  test("gives kafkajs' hash and partition for every kind of key", () => {
    const keys = ["", "a", "ab", "ad-7", "ad-1538927", "ünïcödé-ad", "😀", "x".repeat(300)];
    let seed = 7;
    for (let i = 0; i < 2_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      keys.push(`ad-${(seed >>> 0) % 2_000_000}`);
    }
    const partitioner = KeyHashPartitioner();
    const defaultPartitioner = kafkajs.Partitioners.DefaultPartitioner();
    const partitionMetadata = metadata(12);
    for (const key of keys) {
      expect(murmur2(key), key).toBe(kafkajsMurmur2(key));
      const message = { key, value: "v" };
      expect(partitioner({ topic: "t", partitionMetadata, message }), key).toBe(
        defaultPartitioner({ topic: "t", partitionMetadata, message }),
      );
      expect(partitionForKey(Buffer.from(key), 12)).toBe(partitionForKey(key, 12));
    }
  });

  test("an explicit partition wins; keyless messages still get a partition", () => {
    const partitioner = KeyHashPartitioner();
    const partitionMetadata = metadata(4);
    expect(partitioner({ topic: "t", partitionMetadata, message: { key: "ad-1", value: "v", partition: 3 } })).toBe(3);
    const p = partitioner({ topic: "t", partitionMetadata, message: { value: "v" } });
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(4);
  });
});
