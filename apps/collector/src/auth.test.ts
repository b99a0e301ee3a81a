// authenticate: anonymous only when enabled, each kind of bad key named in a 401, a key check
// that cannot run is a 503 to retry, never a 5xx of another kind.
import type { IngestKeyInfo, KeyCheck } from "@adclicks/db/queries";
import { expect, test } from "vitest";
import { authenticate } from "./auth";

const key: IngestKeyInfo = {
  id: "key_abcdefabcdef",
  kind: "ingest",
  name: "adserver-1",
  eventsPerSecond: 100,
  createdAt: new Date(0),
  revokedAt: null,
  createdBy: null,
};
const GOOD = `aci_abcdefabcdef_${"a".repeat(43)}`;
const verify = async (presented: string): Promise<KeyCheck<IngestKeyInfo>> => {
  if (presented === GOOD) return { ok: true, key };
  if (presented === `aci_revokedrevok_${"a".repeat(43)}`) return { ok: false, reason: "revoked" };
  if (presented.startsWith("aci_")) return { ok: false, reason: "unknown" };
  return { ok: false, reason: "malformed" };
};

test("no Authorization: 401 naming the header, unless anonymous ingest is enabled", async () => {
  const off = await authenticate(undefined, { allowAnonymous: false, verify }, 2);
  expect(off).toMatchObject({ ok: false, status: 401, reason: "missing" });
  if (!off.ok) {
    expect(off.message).toContain("Authorization is missing");
    expect(off.headers["www-authenticate"]).toBe('Bearer realm="collector"');
  }
  expect(await authenticate(undefined, { allowAnonymous: true, verify }, 2)).toEqual({
    ok: true,
    sender: { kind: "anonymous" },
  });
});

test("a valid key is the sender, even when anonymous ingest is also on", async () => {
  for (const allowAnonymous of [false, true]) {
    expect(await authenticate(`Bearer ${GOOD}`, { allowAnonymous, verify }, 2)).toEqual({
      ok: true,
      sender: { kind: "key", key },
    });
  }
  expect((await authenticate(`bearer  ${GOOD} `, { allowAnonymous: false, verify }, 2)).ok).toBe(true);
});

test.each([
  ["Basic dXNlcjpwYXNz", "not_bearer", "Bearer <ingest key>"],
  ["Bearer", "not_bearer", "Bearer <ingest key>"],
  [`Bearer acp_abcdefabcdef_${"a".repeat(43)}`, "partner_key", "partner API key"],
  ["Bearer nonsense", "malformed", "malformed"],
  [`Bearer aci_revokedrevok_${"a".repeat(43)}`, "revoked", "revoked"],
  [`Bearer aci_unknownunkno_${"a".repeat(43)}`, "unknown", "not known"],
])("%s → 401 %s", async (header, reason, message) => {
  // A bad key is refused even when anonymous ingest is on: it was meant to be a key.
  const r = await authenticate(header, { allowAnonymous: true, verify }, 2);
  expect(r).toMatchObject({ ok: false, status: 401, reason });
  if (!r.ok) {
    expect(r.message).toContain(message);
    expect(r.headers["www-authenticate"]).toContain('error="invalid_token"');
  }
});

test("keys that cannot be checked: 503 with Retry-After", async () => {
  const down = async (): Promise<KeyCheck<IngestKeyInfo>> => {
    throw new Error("connection refused");
  };
  const r = await authenticate(`Bearer ${GOOD}`, { allowAnonymous: false, verify: down }, 3);
  expect(r).toMatchObject({ ok: false, status: 503, headers: { "retry-after": "3" } });
});
