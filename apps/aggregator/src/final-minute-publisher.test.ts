// The final-minute publisher against a fake of Postgres' pending minutes and a recording send:
// what goes out for a minute (per-ad totals, then its exact top N over all chunks), one run at a
// time, and a failure that leaves the minute to the next run.
import { isoMinute } from "@adclicks/core";
import { pino } from "pino";
import { Registry } from "prom-client";
import { expect, test } from "vitest";
import { FinalMinutePublisher, type FinalMinutesPort } from "./final-minute-publisher";
import { createAggregatorMetrics } from "./metrics";

const M0 = Date.UTC(2026, 0, 1, 12, 0);
const M1 = M0 + 60_000;
const CHUNK = 2;

class FakeMinutes implements FinalMinutesPort {
  readonly pending: { minute: number; lateClicks: number; ads: [string, number][] }[] = [];
  readonly published: [number, number][] = [];
  running = 0;
  maxRunning = 0;

  async withNext(fn: Parameters<FinalMinutesPort["withNext"]>[0]) {
    const m = this.pending[0];
    if (!m) return undefined;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await fn({
        minute: m.minute,
        lateClicks: m.lateClicks,
        async *chunks() {
          for (let i = 0; i < m.ads.length; i += CHUNK)
            yield m.ads.slice(i, i + CHUNK).map(([adId, clicks]) => ({ adId, clicks }));
        },
      });
    } finally {
      this.running--;
    }
    return { minute: m.minute, lateClicks: m.lateClicks };
  }

  async markPublished(minute: number, lateClicks: number) {
    this.published.push([minute, lateClicks]);
    this.pending.splice(
      this.pending.findIndex((m) => m.minute === minute),
      1,
    );
  }
}

function setup() {
  const minutes = new FakeMinutes();
  const sent: { key: string; value: string }[] = [];
  const state = { failSend: false, stopping: false };
  const metrics = createAggregatorMetrics(new Registry(), { defaults: false });
  const publisher = new FinalMinutePublisher({
    minutes,
    send: async (messages) => {
      await new Promise((r) => setImmediate(r));
      if (state.failSend) throw new Error("broker unavailable");
      sent.push(...messages);
    },
    topN: 2,
    stopping: () => state.stopping,
    metrics,
    log: pino({ level: "silent" }),
  });
  const run = async () => {
    publisher.kick();
    await publisher.drained();
  };
  return { minutes, sent, state, metrics, publisher, run };
}

test("each final minute: its per-ad totals, then its top N over every chunk; marked published", async () => {
  const { minutes, sent, metrics, run } = setup();
  minutes.pending.push(
    {
      minute: M0,
      lateClicks: 0,
      ads: [
        ["a", 5],
        ["b", 9],
        ["c", 7],
        ["d", 1],
        ["e", 8],
      ],
    },
    { minute: M1, lateClicks: 3, ads: [["a", 2]] },
  );
  await run();
  const m0 = isoMinute(M0);
  expect(sent.slice(0, 6)).toEqual([
    ...["a", "b", "c", "d", "e"].map((ad, i) => ({
      key: `${ad}:${m0}`,
      value: JSON.stringify({ ad_id: ad, minute: m0, count: [5, 9, 7, 1, 8][i], final: true }),
    })),
    {
      key: `top:${m0}`,
      value: JSON.stringify({
        minute: m0,
        late_clicks: 0,
        top: [
          { ad_id: "b", count: 9 },
          { ad_id: "e", count: 8 },
        ],
      }),
    },
  ]);
  expect(JSON.parse(sent.at(-1)!.value)).toEqual({
    minute: isoMinute(M1),
    late_clicks: 3,
    top: [{ ad_id: "a", count: 2 }],
  });
  expect(minutes.published).toEqual([
    [M0, 0],
    [M1, 3],
  ]);
  expect((await metrics.minutesPublished.get()).values[0]?.value).toBe(2);
});

test("one run at a time: a kick during a run is taken by it", async () => {
  const { minutes, publisher, sent } = setup();
  minutes.pending.push({ minute: M0, lateClicks: 0, ads: [["a", 1]] });
  publisher.kick();
  minutes.pending.push({ minute: M1, lateClicks: 0, ads: [["b", 1]] });
  publisher.kick();
  publisher.kick();
  await publisher.drained();
  expect(minutes.maxRunning).toBe(1);
  expect(minutes.published.map(([m]) => m)).toEqual([M0, M1]);
  expect(sent.filter((m) => m.key.startsWith("top:"))).toHaveLength(2);
});

test("a failed send leaves the minute unpublished; the next run publishes it", async () => {
  const { minutes, state, run, sent } = setup();
  minutes.pending.push({ minute: M0, lateClicks: 0, ads: [["a", 1]] });
  state.failSend = true;
  await run();
  expect(minutes.published).toEqual([]);
  state.failSend = false;
  await run();
  expect(minutes.published).toEqual([[M0, 0]]);
  expect(sent.map((m) => m.key)).toEqual([`a:${isoMinute(M0)}`, `top:${isoMinute(M0)}`]);
});

test("stopping: the minute in progress is finished, the rest left for later", async () => {
  const { minutes, state, run } = setup();
  minutes.pending.push({ minute: M0, lateClicks: 0, ads: [["a", 1]] }, { minute: M1, lateClicks: 0, ads: [["b", 1]] });
  state.stopping = true;
  await run();
  expect(minutes.published).toEqual([[M0, 0]]);
});
