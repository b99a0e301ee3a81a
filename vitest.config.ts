// Vitest projects: `unit` (pure, fast, no services) and `integration` (real Kafka, Postgres,
// Redis, brought up by scripts/infra.sh; each file isolates itself with its own database,
// topics and Redis prefix via @adclicks/test-utils).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{apps,packages}/*/src/**/*.test.ts", "{apps,packages}/*/test/**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "**/node_modules/**"],
          // As the aggregator runs (apps/aggregator/src/runtime.ts): the dedup tables free what
          // they outgrow with ArrayBuffer.prototype.transfer.
          execArgv: ["--harmony-rab-gsab-transfer"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["{apps,packages}/*/{src,test}/**/*.integration.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // Two cores, with Kafka, Postgres and Redis on them too: one heavy file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
