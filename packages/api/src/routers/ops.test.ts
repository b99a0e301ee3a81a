// The ops procedures through createCaller: an advertiser (or anyone but the ops role) gets no ops
// data from any of them, and Prometheus / Alertmanager answers reach the ops user shaped for
// the view, with "unreachable" said plainly instead of an error.
import type { Db } from "@adclicks/db/client";
import { redisKeys } from "@adclicks/live";
import { TRPCError } from "@trpc/server";
import type { Redis } from "ioredis";
import { describe, expect, test } from "vitest";
import type { Caller } from "../access";
import type { MonitoringClient } from "../monitoring/client";
import { createCaller } from "../root";
import { type ApiDeps, createInnerContext } from "../trpc";

const NOW = Date.parse("2026-12-02T12:00:00Z");
const sent: unknown[] = [];
const monitoring: MonitoringClient = {
  prometheusUrl: "http://prom",
  alertmanagerUrl: "http://am",
  prometheusAlerts: async () => [
    {
      labels: { alertname: "ConsumerLagSeconds", severity: "critical", consumer: "aggregator", partition: "3" },
      annotations: { summary: "aggregator is 2m behind" },
      state: "pending",
      activeAt: "2026-12-02T11:58:00Z",
      value: "120",
    },
    {
      labels: { alertname: "ConsumerStalled", severity: "critical", consumer: "aggregator", partition: "3" },
      annotations: { summary: "stalled" },
      state: "firing",
      activeAt: "2026-12-02T11:59:00Z",
      value: "60",
    },
  ],
  query: async () => [],
  queryRange: async (promql) =>
    promql.startsWith("ALERTS")
      ? [
          {
            metric: { alertname: "TargetDown", alertstate: "firing", severity: "critical", job: "web" },
            values: [
              [NOW / 1000 - 7200, "1"],
              [NOW / 1000 - 7140, "1"],
              [NOW / 1000 - 60, "1"],
            ],
          },
        ]
      : [{ metric: { partition: "1", consumer: "aggregator" }, values: [[NOW / 1000, "42"]] }],
  alertmanagerAlerts: async () => [
    {
      fingerprint: "f",
      labels: { alertname: "ConsumerStalled", severity: "critical", consumer: "aggregator", partition: "3" },
      startsAt: "2026-12-02T11:59:00Z",
      status: { state: "suppressed", silencedBy: ["s-1"], inhibitedBy: [] },
    },
  ],
  silences: async () => [],
  createSilence: async (s) => {
    sent.push(s);
    return "s-2";
  },
};

// The rate limit's one Redis command, always under the limit (no Redis in a unit test).
const redis = {
  defineCommand(name: string) {
    (this as unknown as Record<string, () => Promise<number>>)[name] = async () => 1;
  },
} as unknown as Redis;
const deps: ApiDeps = { db: {} as Db, redis, redisKeys: redisKeys("t"), live: null, now: () => NOW, monitoring };
const as = (caller: Caller) => createCaller(createInnerContext(deps, caller));
const advertiser: Caller = {
  kind: "user",
  userId: "u1",
  email: "adv@example.com",
  name: "Adv",
  role: "advertiser",
  advertiserId: "adv-1",
};
const ops: Caller = { kind: "user", userId: "u2", email: "ops@example.com", name: "Ops", role: "ops" };

describe("an advertiser gets no ops data", () => {
  const calls = (c: ReturnType<typeof as>) => [
    () => c.ops.health(),
    () => c.ops.advertisers(),
    () => c.ops.alerts(),
    () => c.ops.alertHistory(),
    () => c.ops.charts({ minutes: 60 }),
    () => c.ops.deadLetters({ limit: 5 }),
    () => c.ops.silence({ alertname: "ConsumerStalled", labels: {}, minutes: 60, comment: "x" }),
  ];
  test("every ops procedure refuses an advertiser (FORBIDDEN) and an anonymous caller (UNAUTHORIZED)", async () => {
    for (const call of calls(as(advertiser))) await expect(call()).rejects.toMatchObject({ code: "FORBIDDEN" });
    for (const call of calls(as({ kind: "anonymous" }))) await expect(call()).rejects.toBeInstanceOf(TRPCError);
    for (const call of calls(as({ kind: "anonymous" })))
      await expect(call()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect(sent).toEqual([]);
  });
});

describe("the ops user", () => {
  test("sees firing alerts before pending ones, with since-when, summary and silences", async () => {
    const r = await as(ops).ops.alerts();
    expect(r.prometheus).toEqual({ ok: true });
    expect(r.alerts.map((a) => [a.name, a.state, a.silencedBy])).toEqual([
      ["ConsumerStalled", "firing", ["s-1"]],
      ["ConsumerLagSeconds", "pending", []],
    ]);
    expect(r.alerts[0]).toMatchObject({
      severity: "critical",
      summary: "stalled",
      sinceMs: Date.parse("2026-12-02T11:59:00Z"),
      labels: { consumer: "aggregator", partition: "3" },
    });
  });

  test("sees the 24 h history as intervals, the open one still firing", async () => {
    const r = await as(ops).ops.alertHistory();
    expect(r.intervals.map((i) => [i.name, i.fromMs, i.toMs])).toEqual([
      ["TargetDown", NOW - 60_000, null],
      ["TargetDown", NOW - 7_200_000, NOW - 7_140_000],
    ]);
  });

  test("acknowledges an alert with a silence matching exactly its labels", async () => {
    const r = await as(ops).ops.silence({
      alertname: "ConsumerStalled",
      labels: { consumer: "aggregator", partition: "3" },
      minutes: 30,
      comment: "on it",
    });
    expect(r).toEqual({ silenceId: "s-2", endsAtMs: NOW + 30 * 60_000 });
    expect(sent.at(-1)).toMatchObject({
      createdBy: "ops@example.com",
      comment: "on it",
      matchers: expect.arrayContaining([
        { name: "alertname", value: "ConsumerStalled", isRegex: false, isEqual: true },
        { name: "partition", value: "3", isRegex: false, isEqual: true },
      ]),
    });
  });

  test("is told plainly when Prometheus is unreachable", async () => {
    const { monitoring: _m, ...without } = deps;
    const r = await createCaller(createInnerContext(without, ops)).ops.alerts();
    expect(r.prometheus.ok).toBe(false);
    expect(r.prometheus.ok === false && r.prometheus.message).toMatch(/^Prometheus .* is unreachable/);
    expect(r.alerts).toEqual([]);
  });
});
