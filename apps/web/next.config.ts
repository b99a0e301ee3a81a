// Next.js config: the workspace packages ship TypeScript source, so Next transpiles them;
// database drivers stay outside the server bundle; security headers on every response.
// @adclicks/live reads its Lua scripts from packages/live/src/lua at start (beside its source):
// traced so the server output carries them.
import type { NextConfig } from "next";

/**
 * On every response, pages and API alike: never framed (clickjacking of the dashboard and the
 * admin page; the CSP directive for current browsers, X-Frame-Options for older ones), types
 * never sniffed (a JSON answer is never run as a script), and no address sent to other sites
 * (URLs carry filters such as user_id and ip). `same-origin` keeps Origin on same-origin POSTs,
 * which the sign-in's origin check needs (`no-referrer` would make it "null").
 */
const SECURITY_HEADERS = [
  { key: "Content-Security-Policy", value: "frame-ancestors 'none'" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
];

const config: NextConfig = {
  transpilePackages: ["@adclicks/api", "@adclicks/config", "@adclicks/db", "@adclicks/core", "@adclicks/live"],
  serverExternalPackages: ["pg", "ioredis"],
  outputFileTracingIncludes: { "/**/*": ["../../packages/live/src/lua/*.lua"] },
  poweredByHeader: false,
  reactStrictMode: true,
  headers: async () => [{ source: "/:path*", headers: SECURITY_HEADERS }],
};

export default config;
