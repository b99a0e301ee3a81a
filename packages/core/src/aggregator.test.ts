// Drives the aggregation operator by advancing time: windows, watermark, lateness, dedup,
// idle and many partitions, and exact restarts from a checkpoint.
import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import { ClickAggregator, type Decision, type PartitionPlan } from "./aggregator";
import { AggregatorHarness } from "./testing";
import { MINUTE_MS } from "./time";

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const at = (min: number, sec = 0) => T0 + min * MINUTE_MS + sec * 1000;

function totals(plan: ReturnType<AggregatorHarness["checkpoint"]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pp of plan.partitions)
    for (const d of pp.counts.deltas()) {
      const k = `${(d.minute - T0) / MINUTE_MS}:${d.country}:${d.adId}`;
      out[k] = (out[k] ?? 0) + d.clicks;
    }
  return out;
}

describe("tumbling minute windows", () => {
  test("events on either side of a minute boundary land in their own minutes", () => {
    const h = new AggregatorHarness({ now: at(1) });
    expect(h.feed(0, { ts: at(0, 59.999) })).toEqual({ kind: "counted", minute: at(0) });
    expect(h.feed(0, { ts: at(1) })).toEqual({ kind: "counted", minute: at(1) });
    expect(h.feed(0, { ts: at(1) - 1 })).toEqual({ kind: "counted", minute: at(0) });
    expect(totals(h.checkpoint())).toEqual({ "0:US:ad-1": 2, "1:US:ad-1": 1 });
  });

  test("counts are kept per country (the star schema)", () => {
    const h = new AggregatorHarness({ now: at(0) });
    h.feed(0, { ts: at(0, 1), country: "DE" });
    h.feed(0, { ts: at(0, 2), country: "de" });
    h.feed(0, { ts: at(0, 3), country: "US", adId: "ad-2" });
    expect(totals(h.checkpoint())).toEqual({ "0:DE:ad-1": 2, "0:US:ad-2": 1 });
  });
});

describe("watermark and lateness", () => {
  test("a minute fires only once the watermark (max event time - lateness) passes its end", () => {
    const h = new AggregatorHarness({ now: at(0, 10), allowedLatenessMs: 15_000 });
    h.feed(0, { ts: at(0, 10) });
    h.now = at(1, 14);
    h.feed(0, { ts: at(1, 14) });
    expect(h.advanceTo(at(1, 14))).toEqual([]);
    h.feed(0, { ts: at(1, 15) });
    expect(h.advanceTo(at(1, 15))).toEqual([at(0)]);
    // Firing is once per minute.
    h.now = at(1, 40);
    h.feed(0, { ts: at(1, 40) });
    expect(h.advanceTo(at(1, 40))).toEqual([]);
  });

  test("out of order within the allowed lateness is counted on time", () => {
    const h = new AggregatorHarness({ now: at(1, 10), allowedLatenessMs: 15_000 });
    h.feed(0, { ts: at(1, 10) });
    h.advanceTo(at(1, 10));
    expect(h.feed(0, { ts: at(0, 56) })).toEqual({ kind: "counted", minute: at(0) });
  });

  test("later than the watermark is counted as a late correction to its own minute", () => {
    const h = new AggregatorHarness({ now: at(0, 30), allowedLatenessMs: 15_000 });
    h.feed(0, { ts: at(0, 30) });
    h.now = at(2);
    h.feed(0, { ts: at(2) });
    expect(h.advanceTo(at(2))).toEqual([at(0)]);
    expect(h.feed(0, { ts: at(0, 45) })).toEqual({ kind: "late", minute: at(0) });
    const plan = h.checkpoint();
    expect(plan.partitions[0]?.late.clicks).toBe(1);
    expect(totals(plan)).toEqual({ "0:US:ad-1": 2, "2:US:ad-1": 1 });
  });

  test("the combined watermark is the minimum over partitions", () => {
    const h = new AggregatorHarness({ now: at(5), partitions: [0, 1] });
    h.feed(0, { ts: at(5) });
    h.feed(1, { ts: at(1, 30) });
    expect(h.op.watermarks.current(h.now)).toBe(at(1, 15) - 1);
    expect(h.advanceTo(h.now)).toEqual([]);
  });

  test("the watermark never passes the clock: clicks stamped ahead of it make no minute final early", () => {
    const h = new AggregatorHarness({ now: at(0, 50), allowedLatenessMs: 15_000 });
    h.feed(0, { ts: at(0, 40) });
    // 25 s ahead of the clock, within the allowed skew: counted, and its minute is open.
    expect(h.feed(0, { ts: at(1, 15) })).toEqual({ kind: "counted", minute: at(1) });
    expect(h.op.watermarks.current(h.now)).toBe(at(0, 35) - 1);
    expect(h.advanceTo(at(0, 50))).toEqual([]);
    // A foreign producer's records, stamped (record and click) five minutes ahead: counted in
    // their own minute, the watermark still follows the clock.
    expect(h.feed(0, { ts: at(5, 50) }, at(5, 50))).toEqual({ kind: "counted", minute: at(5) });
    expect(h.op.watermarks.current(at(0, 59))).toBe(at(0, 44) - 1);
    expect(h.advanceTo(at(0, 59))).toEqual([]);
    // Minute 0 becomes final once the clock passes its end by the lateness, not before.
    expect(h.advanceTo(at(1, 14))).toEqual([]);
    expect(h.advanceTo(at(1, 15))).toEqual([at(0)]);
    // A real click of the open minute is counted on time, not as a late correction.
    expect(h.feed(0, { ts: at(1, 15) })).toEqual({ kind: "counted", minute: at(1) });
  });

  test("an idle partition stops holding the watermark back after the idle timeout", () => {
    const h = new AggregatorHarness({ now: at(0, 6), partitions: [0, 1], idleTimeoutMs: 30_000 });
    h.feed(0, { ts: at(0, 6) });
    h.now = at(0, 50);
    h.feed(1, { ts: at(0, 50) });
    h.now = at(1, 17);
    h.feed(0, { ts: at(1, 17) });
    // Partition 0 alone would make minute 0 final; partition 1, active, holds it back.
    expect(h.advanceTo(at(1, 17))).toEqual([]);
    // Partition 1 has been silent for 30 s of wall-clock time: it no longer counts.
    h.now = at(1, 21);
    h.feed(0, { ts: at(1, 21) });
    expect(h.advanceTo(at(1, 21))).toEqual([at(0)]);
  });

  test("with every partition idle the most advanced one decides", () => {
    const h = new AggregatorHarness({ now: at(1, 55), partitions: [0, 1], idleTimeoutMs: 10_000 });
    h.feed(0, { ts: at(0, 5) });
    h.now = at(2);
    h.feed(1, { ts: at(2) });
    expect(h.advanceTo(at(2))).toEqual([]);
    expect(h.advanceTo(at(5))).toEqual([at(0)]);
  });

  test("many partitions: the minute fires when the slowest active one passes it", () => {
    const parts = Array.from({ length: 64 }, (_, i) => i);
    const h = new AggregatorHarness({ now: at(2), partitions: parts });
    for (const p of parts) h.feed(p, { ts: at(0, p % 50), adId: `ad-${p}` });
    for (const p of parts.slice(1)) h.feed(p, { ts: at(2) });
    expect(h.advanceTo(at(2))).toEqual([]);
    h.feed(0, { ts: at(1, 16) });
    expect(h.advanceTo(at(2))).toEqual([at(0)]);
    expect(Object.keys(totals(h.checkpoint())).length).toBe(64 + 1 + 1);
  });

  test("remote partitions (other workers' checkpoints) hold the watermark too", () => {
    const h = new AggregatorHarness({ now: at(3), partitions: [0] });
    h.feed(0, { ts: at(3) });
    h.op.observeRemote(7, at(0, 30), at(3));
    expect(h.advanceTo(at(3))).toEqual([]);
    expect(h.op.advance(at(3)).finalBefore).toBe(at(0));
    h.op.observeRemote(7, at(3), at(3));
    expect(h.op.advance(at(3)).finalBefore).toBe(at(2));
  });
});

describe("dedup", () => {
  test("a duplicate within the horizon is dropped, wherever it falls in time", () => {
    const h = new AggregatorHarness({ now: at(9), dedupHorizonMs: 10 * MINUTE_MS });
    const id = randomUUID();
    expect(h.feed(0, { eventId: id, ts: at(0, 1) }).kind).toBe("counted");
    h.feed(0, { ts: at(9) });
    expect(h.feed(0, { eventId: id, ts: at(0, 1) })).toEqual({ kind: "duplicate" });
    expect(h.feed(0, { eventId: id.toUpperCase(), ts: at(0, 1) })).toEqual({ kind: "duplicate" });
  });

  test("a repeat outside the horizon is counted again (memory is bounded)", () => {
    const h = new AggregatorHarness({ now: at(4), dedupHorizonMs: 2 * MINUTE_MS, allowedLatenessMs: 10 * MINUTE_MS });
    const id = randomUUID();
    h.feed(0, { eventId: id, ts: at(0, 1) });
    h.feed(0, { ts: at(4) });
    expect(h.feed(0, { eventId: id, ts: at(0, 1) }).kind).toBe("counted");
  });

  test("dedup state is per partition and bounded by eviction", () => {
    const h = new AggregatorHarness({ now: at(5), partitions: [0, 1], dedupHorizonMs: MINUTE_MS });
    const id = randomUUID();
    h.feed(0, { eventId: id, ts: at(0, 1) });
    expect(h.feed(1, { eventId: id, ts: at(0, 1) }).kind).toBe("counted");
    for (let i = 0; i < 1000; i++) h.feed(0, { ts: at(0, 2) });
    expect(h.op.dedupStats().ids).toBe(1002);
    h.feed(0, { ts: at(5) });
    expect(h.op.dedupStats().ids).toBe(2);
  });

  test("malformed input is rejected with a reason, never counted", () => {
    const h = new AggregatorHarness({ now: at(0) });
    expect(h.feed(0, "{not json")).toEqual({ kind: "rejected", reason: "malformed_json" });
    expect(h.feed(0, '{"ad_id":"a"}')).toMatchObject({ kind: "rejected", reason: "missing_field:event_id" });
    expect(h.checkpoint().partitions[0]?.counts.clicks).toBe(0);
  });
});

describe("restart from a checkpoint", () => {
  test("re-reading from dedupFromOffset rebuilds dedup exactly and counts nothing twice", () => {
    const horizon = 3 * MINUTE_MS;
    const h = new AggregatorHarness({ now: at(10), dedupHorizonMs: horizon, allowedLatenessMs: 5 * MINUTE_MS });
    const ids: string[] = [];
    for (let i = 0; i < 600; i++) {
      const id = randomUUID();
      ids.push(id);
      h.feed(0, { eventId: id, ts: at(0, i), adId: `ad-${i % 7}` });
    }
    const plan = h.checkpoint();
    const pp = plan.partitions[0]!;
    expect(pp.nextOffset).toBe(600);
    // Only the last 3-4 minutes of event time are inside the horizon.
    expect(pp.dedupFromOffset).toBeGreaterThan(300);
    expect(pp.dedupFromOffset).toBeLessThan(480);

    // A fresh operator (a restarted worker) resumes from the stored checkpoint.
    const restarted = new ClickAggregator({ dedupHorizonMs: horizon, allowedLatenessMs: 5 * MINUTE_MS });
    const start = restarted.assign(
      0,
      { nextOffset: pp.nextOffset, seq: pp.seq, maxEventMs: pp.maxEventMs, dedupFromOffset: pp.dedupFromOffset },
      at(10),
    );
    expect(start).toBe(pp.dedupFromOffset);
    const log = h.log.get(0)!;
    for (let o = start; o < log.length; o++) expect(restarted.process(0, o, log[o]!, at(10)).kind).toBe("replayed");
    expect(restarted.advance(at(10)).finalBefore).toBe(h.op.advance(at(10)).finalBefore);

    // Both operators now agree on every later event: duplicates of remembered ids are dropped,
    // ids that fell out of the horizon are counted.
    for (const [i, id] of ids.entries()) {
      const value = JSON.stringify({
        event_id: id,
        ad_id: "ad-x",
        click_timestamp: at(0, i),
        user_id: "u",
        ip: "::1",
        country: "FR",
      });
      const a = h.op.process(0, 600 + i, value, at(10)).kind;
      const b = restarted.process(0, 600 + i, value, at(10)).kind;
      expect(b).toBe(a);
    }
    expect(restarted.plan(at(10)).partitions[0]?.counts.clicks).toBe(h.op.plan(at(10)).partitions[0]?.counts.clicks);
  });

  test("a re-read from dedupFromOffset with the clock 8 days on decides as the first read did", () => {
    const DAY = 86_400_000;
    const opts = { dedupHorizonMs: 2 * MINUTE_MS };
    const h = new AggregatorHarness({ now: at(0), ...opts });
    // Six minutes of records, each stamped when it was sent, holding a click stamped at that
    // time, 20 s ahead (within the skew), 40 s ahead (past it), 6 days before, or repeating an id.
    const ids: string[] = [];
    const decide = (d: Decision) => (d.kind === "rejected" ? d.reason : d.kind === "late" ? "counted" : d.kind); // late: counted too
    const firstRead: string[] = [];
    let restartPoint: PartitionPlan | undefined;
    for (let i = 0; i < 600; i++) {
      const sent = at(0) + i * 600;
      const kind = i % 5;
      const eventId = kind === 4 ? ids[i - 4]! : randomUUID();
      ids.push(eventId);
      h.now = sent;
      const d = h.feed(0, { eventId, ts: sent + [0, 20_000, 40_000, -6 * DAY, 0][kind]!, adId: `ad-${i % 7}` }, sent);
      if (i >= 400) firstRead.push(decide(d));
      if (i === 399) restartPoint = h.checkpoint().partitions[0];
    }
    const firstCounts = totals(h.checkpoint());
    expect(firstRead.filter((k) => k === "future_timestamp")).toHaveLength(40);
    expect(firstRead.filter((k) => k === "duplicate")).toHaveLength(40);
    expect(firstRead.filter((k) => k === "counted")).toHaveLength(120);

    // A fresh operator (a restarted worker, a replay after downtime) resumes from the checkpoint
    // at offset 400 with the clock 8 days on: it re-reads from dedupFromOffset without counting,
    // then counts exactly what the first read counted, judging each click by its record's time.
    const cp = restartPoint!;
    const later = at(0) + 8 * DAY;
    const restarted = new ClickAggregator(opts);
    const start = restarted.assign(
      0,
      { nextOffset: cp.nextOffset, seq: cp.seq, maxEventMs: cp.maxEventMs, dedupFromOffset: cp.dedupFromOffset },
      later,
    );
    expect(start).toBeLessThan(400);
    const log = h.log.get(0)!;
    const sentAt = h.recordTimes.get(0)!;
    const reread: string[] = [];
    for (let o = start; o < log.length; o++) {
      const d = restarted.process(0, o, log[o]!, later, sentAt[o]);
      if (o < 400) expect(d.kind).toBe("replayed");
      else reread.push(decide(d));
    }
    expect(reread).toEqual(firstRead);
    expect(totals(restarted.plan(later))).toEqual(firstCounts);
  });

  test("records before the restart point are skipped, not counted", () => {
    const op = new ClickAggregator();
    op.assign(3, { nextOffset: 10, seq: 4, maxEventMs: at(0), dedupFromOffset: 10 }, at(0));
    expect(op.process(3, 9, "{}", at(0))).toEqual({ kind: "skipped" });
    expect(op.process(9, 0, "{}", at(0))).toEqual({ kind: "skipped" });
    const plan = op.plan(at(0));
    expect(plan.partitions).toEqual([]);
  });

  test("a checkpoint plan carries the fencing condition and the next seq", () => {
    const h = new AggregatorHarness({ now: at(0) });
    h.feed(0, { ts: at(0, 1) });
    const first = h.checkpoint().partitions[0]!;
    expect([first.prevSeq, first.seq, first.prevNextOffset, first.nextOffset]).toEqual([0, 1, 0, 1]);
    h.feed(0, { ts: at(0, 2) });
    const second = h.checkpoint().partitions[0]!;
    expect([second.prevSeq, second.seq, second.prevNextOffset, second.nextOffset]).toEqual([1, 2, 1, 2]);
    expect(h.checkpoint().partitions).toEqual([]);
  });
});

describe("assignment", () => {
  test("an assigned partition not yet read holds the watermark until it turns idle", () => {
    const h = new AggregatorHarness({ now: at(5), partitions: [0, 1], idleTimeoutMs: 10_000 });
    h.feed(0, { ts: at(5) });
    expect(h.op.advance(at(5, 5)).finalBefore).toBeUndefined();
    h.feed(1, { ts: at(0, 30) });
    expect(h.op.advance(at(5, 6)).finalBefore).toBe(at(0));
    // Both go quiet: after the idle timeout the most advanced decides.
    expect(h.op.advance(at(5, 20)).finalBefore).toBe(at(4));
  });
});

describe("records as bytes and as text", () => {
  test("the fast path and parseClick decide a mixed log identically", () => {
    const ids = Array.from({ length: 50 }, () => randomUUID());
    const log: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const ts = at(0, (i * 7) % 170) + (i % 13 === 0 ? -40_000 : 0);
      const click = {
        event_id: i % 9 === 0 ? ids[i % ids.length]!.toUpperCase() : (ids[i % ids.length] ?? randomUUID()),
        ad_id: `ad-${i % 37}`,
        click_timestamp: i % 2 === 0 ? ts : new Date(ts).toISOString(),
        user_id: `u-${i}`,
        ip: i % 5 === 0 ? "2001:db8::1" : "10.0.0.1",
        country: ["US", "de", "XX", "JP"][i % 4],
      };
      const text = JSON.stringify(click);
      log.push(i % 11 === 0 ? text.slice(0, 30) : i % 17 === 0 ? ` ${text.replace(",", ", ")}` : text);
    }
    const run = (values: "bytes" | "text") => {
      const h = new AggregatorHarness({ now: at(3), values });
      const decisions = log.map((line) => h.feed(0, line));
      return { decisions, counts: totals(h.checkpoint()) };
    };
    const bytes = run("bytes");
    expect(bytes).toEqual(run("text"));
    // Every kind of decision was exercised.
    expect(new Set(bytes.decisions.map((d) => d.kind))).toEqual(new Set(["counted", "duplicate", "rejected"]));
  });
});
