// BatchingProducer: coalescing, size-bounded requests, per-caller acknowledgement, stall and
// backpressure refusals. The Kafka request is a plain function here; real Kafka is in the apps' integration tests.
import type { TopicMessages } from "kafkajs";
import { describe, expect, test } from "vitest";
import { BatchingProducer, ProducerUnavailableError } from "./producer";

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
