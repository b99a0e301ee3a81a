// Next.js config: the workspace packages ship TypeScript source, so Next transpiles them;
// database drivers stay outside the server bundle.
import type { NextConfig } from "next";

const config: NextConfig = {
  transpilePackages: ["@adclicks/api", "@adclicks/db", "@adclicks/core"],
  serverExternalPackages: ["pg", "ioredis"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
