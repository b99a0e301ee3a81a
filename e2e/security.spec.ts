// Security over HTTP against the production server: every response carries the anti-framing,
// no-sniff and referrer headers; sign-in is limited per account and per client network, with
// the address taken from the socket (X-Forwarded-For, and a forged copy of the header the
// server stamps, change nothing).
import { createRedis, redisKeys } from "@adclicks/live";
import { redisEnv } from "@adclicks/live/env";
import { expect, test } from "@playwright/test";
import { E2E_REDIS_PREFIX } from "./env";

const EXPECTED_HEADERS = {
  "content-security-policy": "frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

test("every response carries the security headers: pages, APIs, errors and static files", async ({ request }) => {
  const home = await request.get("/");
  const script = /\/_next\/static\/[^"']+\.js/.exec(await home.text())?.[0];
  expect(script).toBeDefined();
  const paths = [
    "/",
    "/sign-in",
    "/dashboard",
    "/no-such-page",
    "/api/openapi.json",
    "/api/v1/ads/popular_ads",
    "/api/trpc/ads.list",
    "/api/auth/get-session",
    script ?? "",
  ];
  for (const path of paths) {
    const res = await request.get(path, { maxRedirects: 0 });
    const headers = res.headers();
    expect({ path, headers: Object.fromEntries(Object.keys(EXPECTED_HEADERS).map((k) => [k, headers[k]])) }).toEqual({
      path,
      headers: EXPECTED_HEADERS,
    });
  }
});

test.describe("sign-in limits", () => {
  // The counters this test fills would keep every sign-in from this machine waiting for 15 minutes.
  test.afterAll(async () => {
    const redis = createRedis(redisEnv.REDIS_URL);
    try {
      const keys = await redis.keys(`${redisKeys(E2E_REDIS_PREFIX).tag}:rl:signin:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  test("30 wrong passwords with 30 different X-Forwarded-For are limited, and so is this address", async ({
    request,
  }) => {
    const attempt = (email: string, i: number) =>
      request.post("/api/auth/sign-in/email", {
        headers: { "x-forwarded-for": `198.51.100.${i}`, "x-adclicks-client-ip": `198.51.100.${i}` },
        data: { email, password: `wrong-password-${i}` },
      });
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof attempt>> | undefined;
    for (let i = 0; i < 30; i++) {
      const res = await attempt("e2e-brute-force@example.com", i);
      statuses.push(res.status());
      if (res.status() === 429) limited ??= res;
    }
    // Ten failures per account, then refused before any password is checked.
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(20).fill(429)]);
    expect(Number(limited?.headers()["retry-after"])).toBeGreaterThan(0);
    expect(((await limited?.json()) as { message?: string } | undefined)?.message).toMatch(/too many failed sign-ins/);
    // Thirty attempts came from this socket whatever the headers said: another account is refused too.
    expect((await attempt("e2e-another-account@example.com", 99)).status()).toBe(429);
  });
});
