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
step "unit tests"
npx vitest run --project unit
step "integration tests (real Kafka, Postgres, Redis)"
npx vitest run --project integration
step "build the web app for e2e"
npx turbo run build --output-logs=errors-only
step "e2e tests (Playwright, Debian Chromium)"
npx playwright test -c e2e/playwright.config.ts
step "all tests passed in $((SECONDS - start)) s"
