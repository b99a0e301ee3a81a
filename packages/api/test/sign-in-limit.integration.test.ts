// Sign-in limits over better-auth's HTTP handler, counted in real Redis: 30 failures sent with
// 30 different X-Forwarded-For values are limited (429 with Retry-After), a correct password is
// refused too until the window ends, the limit is per account whatever the (trusted) address,
// and per client network whatever the account; successful sign-ins never count.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_SIGN_IN_LIMITS } from "../src/sign-in-limit";
import { type ApiTestEnv, addUser, createApiTestEnv } from "./api-test-env";

let t: ApiTestEnv;
const WINDOW_MS = DEFAULT_SIGN_IN_LIMITS.windowMs;
const PASSWORD = "right-password-1";
const CLIENT_IP = "x-test-client-ip";

beforeAll(async () => {
  t = await createApiTestEnv("sign-in-limit");
  for (const id of ["ops", "alice", "bob", "carol", "dave"]) {
    await addUser(t.db, { id: `u-${id}`, email: `${id}@example.com`, role: "ops", password: PASSWORD });
  }
});
afterAll(() => t?.cleanup());

/** A clock the test moves, starting at the beginning of a window so none turns during a test. */
function clock(): { now: () => number; advance(ms: number): void } {
  let ms = Math.ceil(Date.now() / WINDOW_MS) * WINDOW_MS + 1_000;
  return {
    now: () => ms,
    advance: (d) => {
      ms += d;
    },
  };
}

function signIn(
  auth: ReturnType<ApiTestEnv["auth"]>,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return auth.handler(
    new Request("http://localhost:3000/api/auth/sign-in/email", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ email, password }),
    }),
  );
}

describe("sign-in limits", () => {
  test("30 failures with 30 different X-Forwarded-For are limited; then even the right password waits", async () => {
    const c = clock();
    // As deployed without a trusted proxy header: forwarded headers are not an address at all.
    const auth = t.auth({ now: c.now });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 30; i++) {
      const res = await signIn(auth, "ops@example.com", `wrong-${i}`, { "x-forwarded-for": `198.51.100.${i}` });
      statuses.push(res.status);
      limited ??= res.status === 429 ? res : undefined;
    }
    const allowed = DEFAULT_SIGN_IN_LIMITS.perAccount;
    expect(statuses).toEqual([...Array(allowed).fill(401), ...Array(30 - allowed).fill(429)]);
    const retryAfter = Number(limited?.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    expect(((await limited?.json()) as { message?: string } | undefined)?.message).toMatch(/too many failed sign-ins/);

    expect((await signIn(auth, "OPS@example.com ", PASSWORD)).status).toBe(429);
    c.advance(WINDOW_MS - 2_000);
    expect((await signIn(auth, "ops@example.com", PASSWORD)).status).toBe(429);
    c.advance(retryAfter * 1000);
    expect((await signIn(auth, "ops@example.com", PASSWORD)).status).toBe(200);
  });

  test("per account: failures from 30 different trusted addresses still add up", async () => {
    const c = clock();
    const auth = t.auth({ now: c.now, clientIpHeader: CLIENT_IP });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      statuses.push((await signIn(auth, "alice@example.com", "wrong", { [CLIENT_IP]: `203.0.113.${i}` })).status);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(DEFAULT_SIGN_IN_LIMITS.perAccount);
    expect(statuses.slice(DEFAULT_SIGN_IN_LIMITS.perAccount).every((s) => s === 429)).toBe(true);
    // Another account from one of those addresses is unaffected.
    expect((await signIn(auth, "bob@example.com", PASSWORD, { [CLIENT_IP]: "203.0.113.1" })).status).toBe(200);
  });

  // Smaller limits from here on: each failure costs a password hash (even for an unknown account).
  test("per network: one address (or one IPv6 /64) trying many accounts is limited", async () => {
    const c = clock();
    const limits = { perNetwork: 5 };
    const auth = t.auth({ now: c.now, clientIpHeader: CLIENT_IP, signInLimits: limits });
    const statuses: number[] = [];
    for (let i = 0; i < limits.perNetwork + 2; i++) {
      // Any address of one /64, in any spelling: one network.
      const ip = `2001:DB8:1:2::${(i + 1).toString(16)}`;
      statuses.push((await signIn(auth, `nobody-${i}@example.com`, "wrong", { [CLIENT_IP]: ip })).status);
    }
    expect(statuses).toEqual([...Array(limits.perNetwork).fill(401), 429, 429]);
    // The right password from that network waits too; from another network it signs in.
    expect((await signIn(auth, "carol@example.com", PASSWORD, { [CLIENT_IP]: "2001:db8:1:2::ffff" })).status).toBe(429);
    expect((await signIn(auth, "carol@example.com", PASSWORD, { [CLIENT_IP]: "2001:db8:1:3::1" })).status).toBe(200);
  });

  test("successful sign-ins never count, however many", async () => {
    const c = clock();
    const limits = { perAccount: 3 };
    const auth = t.auth({ now: c.now, clientIpHeader: CLIENT_IP, signInLimits: limits });
    for (let i = 0; i < limits.perAccount + 3; i++) {
      expect((await signIn(auth, "dave@example.com", PASSWORD, { [CLIENT_IP]: "192.0.2.9" })).status).toBe(200);
    }
    for (let i = 0; i < limits.perAccount; i++) {
      expect((await signIn(auth, "dave@example.com", "wrong", { [CLIENT_IP]: "192.0.2.9" })).status).toBe(401);
    }
    expect((await signIn(auth, "dave@example.com", PASSWORD, { [CLIENT_IP]: "192.0.2.9" })).status).toBe(429);
  });
});
