// Next.js config: the workspace packages ship TypeScript source, so Next transpiles them;
// database drivers stay outside the server bundle. @adclicks/live reads its Lua scripts from
// packages/live/src/lua at start (beside its source): traced so the server output carries them.
import type { NextConfig } from "next";

const config: NextConfig = {
  transpilePackages: ["@adclicks/api", "@adclicks/db", "@adclicks/core", "@adclicks/live"],
  serverExternalPackages: ["pg", "ioredis"],
  outputFileTracingIncludes: { "/**/*": ["../../packages/live/src/lua/*.lua"] },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
