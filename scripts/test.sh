#!/usr/bin/env bash
# `npm test`: every test. Static checks, unit tests, then (after bringing up the real
# infrastructure) integration tests and the Playwright e2e tests in Debian's Chromium.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
start=$SECONDS

bash scripts/infra.sh
command -v chromium >/dev/null || apt_install chromium
# The zstd CLI stands in for a non-JS producer in the codec test.
command -v zstd >/dev/null || apt_install zstd

step "lint (biome)"
npx biome check .
step "typecheck"
npx turbo run typecheck --output-logs=errors-only
RESULTS="$DATA_DIR/test-results"
mkdir -p "$RESULTS"
step "unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$RESULTS/unit.json"
step "integration tests (real Kafka, Postgres, Redis)"
npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$RESULTS/integration.json"
step "build the web app for e2e"
npx turbo run build --output-logs=errors-only
step "e2e tests (Playwright, Debian Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$RESULTS/e2e.json" npx playwright test -c e2e/playwright.config.ts --reporter=list,json
step "all tests passed in $((SECONDS - start)) s"
# One plain closing line over every runner.
node -e '
  const fs = require("fs"); const dir = process.argv[1];
  const v = (f) => JSON.parse(fs.readFileSync(`${dir}/${f}`, "utf8"));
  let passed = 0, failed = 0;
  for (const f of ["unit.json", "integration.json"]) { const r = v(f); passed += r.numPassedTests; failed += r.numFailedTests; }
  const e = v("e2e.json").stats; passed += e.expected; failed += e.unexpected + (e.flaky ?? 0);
  console.log(`${passed} passed, ${failed} failed`);' "$RESULTS"
