// The checkpoint scheduler with a fake clock and writes the test completes by hand: when a plan
// is taken, that only one write is in flight, the backpressure, and the final checkpoint.
import { pino } from "pino";
import { afterEach, expect, test, vi } from "vitest";
import { CheckpointScheduler } from "./checkpoint-scheduler";
import { createSerialQueue } from "./serial-queue";

const INTERVAL = 1_000;
const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const clock = { t: 10_000, now: () => clock.t };
  const state = { unplanned: 0, stopping: false };
  /** The clock reading at each plan taken, and how to finish (or fail) each write. */
  const plans: number[] = [];
  const writes: { done: () => void; fail: (err: Error) => void }[] = [];
  const failures: unknown[] = [];
  const exclusive = createSerialQueue();
  const scheduler = new CheckpointScheduler({
    clock,
    intervalMs: INTERVAL,
    maxUnplannedClicks: 100,
    unplannedClicks: () => state.unplanned,
    write: () => {
      plans.push(clock.t);
      return new Promise<void>((done, fail) => writes.push({ done, fail }));
    },
    onWriteFailed: (err) => failures.push(err),
    exclusive,
    stopping: () => state.stopping,
    log: pino({ level: "silent" }),
  });
  const finish = async (i: number) => {
    writes[i]!.done();
    await settle();
  };
  /** The end of a batch, in the serial queue as the worker counts batches. */
  const batchEnd = () => exclusive(() => scheduler.afterBatch());
  return { clock, state, plans, writes, failures, scheduler, finish, batchEnd };
}

afterEach(() => {
  vi.useRealTimers();
});

test("a checkpoint falls due once per interval", async () => {
  const { clock, plans, scheduler, finish, batchEnd } = setup();
  scheduler.tick();
  await settle();
  expect(plans).toEqual([10_000]);
  await finish(0);
  clock.t += INTERVAL - 1;
  scheduler.tick();
  await batchEnd();
  expect(plans).toEqual([10_000]);
  clock.t += 1;
  await batchEnd();
  expect(plans).toEqual([10_000, 11_000]);
});

test("one write in flight: a plan that falls due meanwhile is taken when it is done", async () => {
  const { clock, plans, scheduler, finish, batchEnd } = setup();
  await batchEnd();
  clock.t += 5 * INTERVAL;
  scheduler.tick();
  await batchEnd();
  await settle();
  expect(plans).toEqual([10_000]);
  await finish(0);
  expect(plans).toEqual([10_000, 15_000]);
  // Done, and not due again: nothing more.
  await finish(1);
  expect(plans).toHaveLength(2);
});

test("counting waits for the write in flight once too many clicks await a plan", async () => {
  const { clock, state, plans, finish, batchEnd } = setup();
  await batchEnd();
  clock.t += INTERVAL;
  state.unplanned = 99;
  await batchEnd();
  expect(plans).toHaveLength(1);
  state.unplanned = 100;
  let returned = false;
  const batch = batchEnd().then(() => {
    returned = true;
  });
  await settle();
  expect(returned).toBe(false);
  await finish(0);
  await batch;
  expect(plans).toEqual([10_000, 11_000]);
});

test("the final checkpoint waits for the write in flight, then writes what is left", async () => {
  const { state, plans, scheduler, finish, writes, batchEnd } = setup();
  await batchEnd();
  state.stopping = true;
  let stopped = false;
  const final = scheduler.final().then(() => {
    stopped = true;
  });
  await finish(0);
  // Not due, but taken: the final plan holds whatever was counted since.
  expect(plans).toHaveLength(2);
  expect(stopped).toBe(false);
  writes[1]!.done();
  await final;
  expect(stopped).toBe(true);
  // Stopping: a write that ends does not schedule another, nor does a tick.
  scheduler.tick();
  await settle();
  expect(plans).toHaveLength(2);
});

test("a failed write is reported, and the next one goes when due", async () => {
  const { clock, plans, failures, writes, batchEnd } = setup();
  await batchEnd();
  writes[0]!.fail(new Error("postgres gone"));
  await settle();
  expect(failures).toEqual([new Error("postgres gone")]);
  clock.t += INTERVAL;
  await batchEnd();
  expect(plans).toHaveLength(2);
});

test("started, it ticks at half the interval until stopped", async () => {
  vi.useFakeTimers();
  const { plans, scheduler, writes } = setup();
  scheduler.start();
  await vi.advanceTimersByTimeAsync(INTERVAL / 2 - 1);
  expect(plans).toHaveLength(0);
  await vi.advanceTimersByTimeAsync(1);
  expect(plans).toHaveLength(1);
  writes[0]!.done();
  scheduler.stop();
  await vi.advanceTimersByTimeAsync(10 * INTERVAL);
  expect(plans).toHaveLength(1);
});
