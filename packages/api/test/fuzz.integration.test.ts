// Fuzz of every parameter of every procedure, through createCaller, tRPC over HTTP and the REST
// API, against real Postgres and Redis: NUL and other control characters, lone surrogates,
// 10,000-character strings, numbers such as 1e308, -0, 8.64e15+1 and NaN (as JSON and as query
// strings), wrong types. Never a 5xx; a 400 always names the parameter it is about.
import { type MonitoringStack, startMonitoringStack } from "@adclicks/test-utils";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { handleRestRequest, handleTrpcRequest } from "../src/http";
import { createMonitoringClient } from "../src/monitoring/client";
import { appRouter } from "../src/root";
import type { ApiDeps } from "../src/trpc";
import { type ApiTestEnv, addUser, cookieOf, createApiTestEnv } from "./api-test-env";

let t: ApiTestEnv;
let deps: ApiDeps;
let cookie: string;
// A real Prometheus and Alertmanager, so the ops procedures that read them answer as in production.
let monitoring: MonitoringStack;

beforeAll(async () => {
  [t, monitoring] = await Promise.all([createApiTestEnv("fuzz"), startMonitoringStack()]);
  await addUser(t.db, { id: "u-fuzz-ops", email: "fuzz-ops@example.com", role: "ops", password: "fuzz-ops-pass" });
  const auth = t.auth();
  deps = { ...t.deps, auth, monitoring: createMonitoringClient(monitoring) };
  const res = await auth.api.signInEmail({
    body: { email: "fuzz-ops@example.com", password: "fuzz-ops-pass" },
    asResponse: true,
  });
  expect(res.status).toBe(200);
  cookie = cookieOf(res);
});
afterAll(async () => {
  await monitoring?.stop();
  await t?.cleanup();
});

const FROM = "2026-01-05T10:00:00Z";
const TO = "2026-01-05T11:00:00Z";

/**
 * Valid inputs of every procedure: each parameter is fuzzed in every baseline that has it (the
 * others stay valid, so the fuzzed one is what the answer is about), optional ones in the first.
 * A new procedure needs its baselines here: the coverage test below fails until it has them.
 */
const BASELINES: Record<string, Record<string, unknown>[]> = {
  "ads.aggregatedCount": [
    { ad_id: "ad-1", minutes: 5 },
    { ad_id: "ad-1", from: FROM, to: TO },
  ],
  "ads.popularAds": [{ count: 5, window: 5 }],
  "ads.breakdown": [
    { ad_id: "ad-1", minutes: 5 },
    { ad_id: "ad-1", from: FROM, to: TO },
  ],
  "ads.series": [
    { ad_ids: ["ad-1", "ad-4"], minutes: 5 },
    { ad_ids: ["ad-1"], from: FROM, to: TO, granularity: "minute" },
  ],
  "ads.list": [{}],
  "dashboard.overview": [
    { minutes: 5, count: 5 },
    { from: FROM, to: TO, tz: "Europe/Paris" },
    { today: true, tz: "UTC" },
  ],
  "dashboard.ad": [
    { ad_id: "ad-1", minutes: 5 },
    { ad_id: "ad-1", from: FROM, to: TO, tz: "UTC" },
  ],
  "ops.health": [{}],
  "ops.advertisers": [{}],
  "ops.alerts": [{}],
  "ops.alertHistory": [{}],
  "ops.charts": [{ minutes: 60 }],
  "ops.silence": [{ alertname: "FuzzBaseline", labels: { job: "fuzz" }, minutes: 5, comment: "fuzz baseline" }],
  "ops.deadLetters": [{ reason: "malformed_json", limit: 5 }, { beforeId: 10 }],
  "recon.runs": [{ limit: 10 }],
  "recon.run": [{ run_id: 1 }],
  "recon.startReconcile": [{ from: FROM, to: TO, ad_ids: ["ad-1"] }],
  "recon.startRecalc": [{ from: FROM, to: TO, ad_ids: ["ad-1"] }],
  "keys.list": [{}],
  "keys.create": [
    { name: "fuzz", scope: ["adv-a"], rate_limit_per_minute: 60 },
    { kind: "ingest", name: "fuzz-ingest", events_per_second: 100 },
  ],
  "keys.revoke": [{ id: "key_000000000000" }],
};

const LONG = "x".repeat(10_000);
const TEXTS = [
  "\u0000",
  "a\u0000b",
  "\u0001",
  "\t",
  "\n",
  "\r\n",
  "\u001b[31m",
  "\u007f",
  "\u0085",
  "\u009f",
  "\ud800",
  "a\udfffb",
  "\udc00\ud800",
  LONG,
  "\u0000".repeat(10_000),
  "",
  " ",
  "%00",
  "'; drop table ads; --",
  "\u2028",
  "😀",
];
const NUMBERS = [
  1e308,
  -1e308,
  -0,
  8.64e15 + 1,
  -8.64e15 - 1,
  8.64e15,
  8_640_000_000_060_000,
  NaN,
  Infinity,
  -Infinity,
];
const OTHERS = [0, -1, 0.5, 2 ** 53 + 2, null, true, {}, [], { a: "\u0000" }, ["\u0000"], [LONG], [1e308]];
/** Values as JSON (createCaller, tRPC over HTTP); arrays are also fuzzed element by element. */
const VALUES: unknown[] = [...TEXTS, ...NUMBERS, ...OTHERS];
const ELEMENTS: unknown[] = [...TEXTS, ...NUMBERS];
/** Query-string values: text (URL-encoded as a client would) and raw escapes no client should send. */
const QUERY_TEXTS = [
  ...TEXTS,
  "1e308",
  "-0",
  "NaN",
  "Infinity",
  "8640000000000001",
  "8640000000060000",
  "-8640000000000001",
  "99999999999999999999",
  "0000000000",
  "0x10",
];
const RAW_ESCAPES = ["%00", "a%00b", "%ED%A0%80", "%C0%80", "%FF", "%", "%zz", "%2F", "..", "%2e%2e"];

interface Outcome {
  status: number;
  message: string;
}

/** A failure: a 5xx, or a 400 whose message does not mention the parameter. */
function judge(where: string, param: string, value: unknown, o: Outcome): string | null {
  const shown = typeof value === "string" && value.length > 40 ? `${JSON.stringify(value.slice(0, 20))}…` : value;
  if (o.status >= 500) return `${where} ${param}=${safeJson(shown)} → ${o.status} ${o.message}`;
  if (o.status === 400 && !new RegExp(`(^|[^a-z_])${param}([^a-z_]|$)`).test(o.message)) {
    return `${where} ${param}=${safeJson(shown)} → 400 without naming ${param}: ${o.message.slice(0, 200)}`;
  }
  return null;
}

const safeJson = (v: unknown) => {
  try {
    return typeof v === "number" ? String(v) : JSON.stringify(v);
  } catch {
    return String(v);
  }
};

const HTTP_STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
};

async function viaCaller(path: string, input: unknown): Promise<Outcome> {
  const [domain = "", name = ""] = path.split(".");
  const api = t.trpc(t.callers.opsUser, deps) as unknown as Record<string, Record<string, (i: unknown) => unknown>>;
  try {
    await api[domain]?.[name]?.(input);
    return { status: 200, message: "" };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { status: HTTP_STATUS[e.code ?? ""] ?? 500, message: e.message ?? String(err) };
  }
}

/** Ops procedures need the ops session; the others take the partner key (checked in memory, faster). */
function credentials(path: string): Record<string, string> {
  return path.startsWith("ads.") ? { authorization: `Bearer ${t.keys.all}` } : { cookie };
}

async function viaTrpcHttp(path: string, type: string, input: unknown): Promise<Outcome> {
  const payload = JSON.stringify(superjson.serialize(input));
  const req =
    type === "mutation"
      ? new Request(`http://localhost/api/trpc/${path}`, {
          method: "POST",
          headers: { ...credentials(path), "content-type": "application/json" },
          body: payload,
        })
      : new Request(`http://localhost/api/trpc/${path}?input=${encodeURIComponent(payload)}`, {
          headers: credentials(path),
        });
  return trpcOutcome(await handleTrpcRequest(req, deps, () => {}));
}

async function trpcOutcome(res: Response): Promise<Outcome> {
  const body = (await res.json().catch(() => ({}))) as { error?: { json?: { message?: string } } };
  return { status: res.status, message: body.error?.json?.message ?? "" };
}

async function viaRest(url: string): Promise<Outcome> {
  const res = await handleRestRequest(
    new Request(`http://localhost/api/v1${url}`, { headers: { authorization: `Bearer ${t.keys.all}` } }),
    deps,
    () => {},
  );
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  return { status: res.status, message: body.message ?? "" };
}

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef }>);
interface ProcedureDef {
  type: string;
  inputs: unknown[];
  meta?: { openapi?: { method: string; path: string } };
}

/** The parameters of a procedure: the keys of its input object. */
function paramsOf(def: ProcedureDef): string[] {
  return keysOf(def.inputs[0]);
}

/** The parameters of an object schema, or of every option of a (discriminated) union of them. */
function keysOf(schema: unknown): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodUnion) return [...new Set(schema.options.flatMap(keysOf))];
  return [];
}

/** Each parameter with the baselines to fuzz it in. */
function plan(path: string, def: ProcedureDef): [string, Record<string, unknown>][] {
  const baselines = BASELINES[path] ?? [];
  return paramsOf(def).flatMap((param) => {
    const having = baselines.filter((b) => param in b);
    return (having.length > 0 ? having : baselines.slice(0, 1)).map(
      (b) => [param, b] as [string, Record<string, unknown>],
    );
  });
}

test("every procedure has baselines, and every baseline is valid input", async () => {
  expect(procedures.map(([path]) => path).filter((path) => !(path in BASELINES))).toEqual([]);
  for (const [path, { _def }] of procedures) {
    for (const b of BASELINES[path] ?? []) {
      expect({ path, b, ...(await viaCaller(path, paramsOf(_def).length ? b : undefined)) }).toMatchObject({
        path,
        b,
        status: expect.toSatisfy((s: number) => s === 200 || s === 404),
      });
    }
  }
});

describe.each(procedures.map(([path, p]) => [path, p._def] as const))("%s", (path, def) => {
  test("createCaller and tRPC over HTTP: never a 5xx, and a 400 names the parameter", async () => {
    const failures: string[] = [];
    for (const [param, base] of plan(path, def)) {
      const values = Array.isArray(base[param])
        ? [...VALUES, ...ELEMENTS.map((v) => [...(base[param] as unknown[]), v])]
        : VALUES;
      for (const value of values) {
        const input = { ...base, [param]: value };
        failures.push(
          ...[
            judge("caller", param, value, await viaCaller(path, input)),
            judge("trpc-http", param, value, await viaTrpcHttp(path, def.type, input)),
          ].filter((f): f is string => f !== null),
        );
      }
    }
    if (paramsOf(def).length === 0) {
      // No parameters: whatever is sent as input is ignored, never a crash.
      for (const value of VALUES) {
        const o = await viaTrpcHttp(path, def.type, value);
        if (o.status >= 500) failures.push(`trpc-http input=${safeJson(value)} → ${o.status} ${o.message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

const restProcedures = procedures.filter(([, p]) => p._def.meta?.openapi !== undefined);
test("the REST API is fuzzed too (its procedures have an OpenAPI route)", () => {
  expect(restProcedures.length).toBeGreaterThanOrEqual(3);
});

describe.each(restProcedures.map(([path, p]) => [path, p._def] as const))("REST %s", (path, def) => {
  test("never a 5xx, and a 400 names the parameter", async () => {
    const route = def.meta?.openapi?.path ?? "";
    const pathParams = [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");
    const failures: string[] = [];
    const urlOf = (b: Record<string, unknown>, param: string, raw: string | null, text: string | null) => {
      let p = route;
      const q: string[] = [];
      for (const [k, v] of Object.entries(b)) {
        if (k === param) continue;
        if (pathParams.includes(k)) p = p.replace(`{${k}}`, encodeURIComponent(String(v)));
        else q.push(`${k}=${encodeURIComponent(String(v))}`);
      }
      const value = raw ?? new URLSearchParams({ v: text ?? "" }).toString().slice(2);
      if (pathParams.includes(param)) p = p.replace(`{${param}}`, value === "" ? "%20" : value);
      else q.push(`${param}=${value}`);
      return `${p}?${q.join("&")}`;
    };
    for (const [param, base] of plan(path, def)) {
      for (const text of QUERY_TEXTS) {
        const f = judge("rest", param, text, await viaRest(urlOf(base, param, null, text)));
        if (f) failures.push(f);
      }
      for (const raw of RAW_ESCAPES) {
        const o = await viaRest(urlOf(base, param, raw, null));
        // A raw escape may not decode to anything: the answer is still a 4xx, never a 5xx.
        if (o.status >= 500) failures.push(`rest ${param}=${raw} (raw) → ${o.status} ${o.message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe("time ranges at the edges of what dates can hold", () => {
  const MINUTE = 60_000;
  // Pairs one minute apart (so only the instants themselves can be wrong), as epoch ms and ISO.
  const RANGES: [string, string][] = [
    ["8640000000060000", "8640000000120000"],
    [String(8.64e15 - MINUTE), "8640000000000000"],
    ["9999999999940000", "9999999999999999"],
    ["253402300740000", "253402300799999"],
    ["253402300800000", "253402300860000"],
    ["0000000000", "0000060000"],
    ["9999-12-31T23:59:00Z", "9999-12-31T23:59:59.999Z"],
    ["9999-12-31T23:59:00-14:00", "9999-12-31T23:59:59-14:00"],
    ["0000-01-01T00:00:00Z", "0000-01-01T00:01:00Z"],
    ["1969-12-31T23:59:00Z", "1970-01-01T00:00:00Z"],
    ["1970-01-01T00:00:00Z", "1970-01-01T00:01:00Z"],
  ];
  const REST_ROUTES = ["/ads/ad-1/aggregated_count", "/ads/ad-1/breakdown"];

  test.each(RANGES)("from=%s to=%s: an answer or a 400 naming the parameter", async (from, to) => {
    const failures: string[] = [];
    const check = (where: string, o: Outcome) => {
      if (o.status >= 500 || (o.status === 400 && !/(^|; )(from|to):/.test(o.message))) {
        failures.push(`${where} → ${o.status} ${o.message}`);
      }
    };
    for (const route of REST_ROUTES) {
      check(route, await viaRest(`${route}?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`));
    }
    const inputs: [string, Record<string, unknown>][] = [
      ["ads.aggregatedCount", { ad_id: "ad-1", from, to }],
      ["ads.breakdown", { ad_id: "ad-1", from, to }],
      ["ads.series", { ad_ids: ["ad-1"], from, to }],
      ["ads.series", { ad_ids: ["ad-1"], from, to, granularity: "hour" }],
    ];
    for (const [path, input] of inputs) {
      check(`caller ${path}`, await viaCaller(path, input));
      check(`trpc-http ${path}`, await viaTrpcHttp(path, "query", input));
    }
    expect(failures).toEqual([]);
  });
});

describe("odd tRPC envelopes never crash", () => {
  const envelopes = [
    "{",
    "null",
    '"\\u0000"',
    '{"ad_id":"ad-1","minutes":5}',
    '{"json":{"ad_id":"ad-1","minutes":5},"meta":{"values":{"ad_id":["Date"]}}}',
    '{"json":{"ad_id":"ad-1","minutes":5},"meta":{"values":{"ad_id":["class","Nope"]}}}',
    '{"json":{"ad_id":"ad-1","minutes":5},"meta":{"values":{"minutes":["bigint"]}}}',
    '{"json":{"ad_id":"ad-1","minutes":"1e999"},"meta":{"values":{"minutes":["number"]}}}',
    '{"json":{"__proto__":{"minutes":5},"ad_id":"ad-1"}}',
    `{"json":{"ad_id":"ad-1","minutes":5,"${"k".repeat(10_000)}":1}}`,
  ];
  test.each(envelopes.map((e) => [e.slice(0, 60), e]))("%s", async (_name, envelope) => {
    const res = await handleTrpcRequest(
      new Request(`http://localhost/api/trpc/ads.aggregatedCount?input=${encodeURIComponent(envelope)}`, {
        headers: { cookie },
      }),
      deps,
      () => {},
    );
    // Refused (4xx) or, where superjson reads it as valid input, answered.
    expect(res.status).toBeLessThan(500);
    if (res.status !== 200) expect(res.status).toBeGreaterThanOrEqual(400);
  });
});
