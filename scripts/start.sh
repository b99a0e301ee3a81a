#!/usr/bin/env bash
# `npm start`: the whole product from a fresh clone. Dependencies, infrastructure, migrations,
# build, demo data, then every app and a gentle demo click generator. Ctrl-C stops it all.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
LOG_DIR="$DATA_DIR/logs"
mkdir -p "$LOG_DIR"
export WEB_PORT="${WEB_PORT:-3000}" COLLECTOR_PORT="${COLLECTOR_PORT:-4000}"

bash scripts/infra.sh
step "building (turbo)"
npx turbo run build --output-logs=errors-only || fail "build failed (see above)"

has_script() { node -e 'process.exit(require(process.argv[1]).scripts?.[process.argv[2]] ? 0 : 1)' "$ROOT/$1/package.json" "$2" 2>/dev/null; }

if has_script packages/db seed; then
  step "demo data"
  npm run -s seed -w @adclicks/db
fi

# start_app NAME DIR SCRIPT: runs `npm run SCRIPT` in DIR under the supervisor (packages/supervisor:
# restarts with backoff, gives up on repeated fast failures), in its own process group, logging
# to .data/logs. The pid file names the supervisor: `npm run stop` stops it, and it the app.
SUPERVISOR_LOG="$LOG_DIR/supervisor.log"
announcer=""
stop_announcer() { [[ -z "$announcer" ]] || kill "$announcer" 2>/dev/null || true; }
trap stop_announcer EXIT
start_app() {
  local name=$1 dir=$2 script=$3 pidfile="$RUN_DIR/app-$1.pid"
  if pid_alive "$pidfile"; then info "$name already running (pid $(cat "$pidfile"))"; return; fi
  setsid nohup node --import tsx "$ROOT/packages/supervisor/src/cli.ts" --name "$name" --announce "$SUPERVISOR_LOG" \
    -- npm run -s "$script" --prefix "$ROOT/$dir" >"$LOG_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  info "$name started under the supervisor (log: .data/logs/$name.log)"
}

step "starting the apps"
for app in aggregator collector archiver monitor recon web; do
  has_script "apps/$app" start && start_app "$app" "apps/$app" start
done
# The demo generator sends with the install's ingest key (the seed made it), so the collector
# keeps anonymous ingest off, as in production.
if has_script apps/generator demo; then
  ingest_key="$(node -e 'try { process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).ingestKey ?? "") } catch {}' "$DATA_DIR/demo-credentials.json")"
  if [[ -n "$ingest_key" ]]; then
    GENERATOR_INGEST_KEY="$ingest_key" start_app generator apps/generator demo
    info "the demo generator sends with the ingest key demo-adserver (anonymous ingest is off)"
  else
    info "no demo ingest key in .data/demo-credentials.json: the demo generator is not started"
  fi
  unset ingest_key
fi

# On Ctrl-C the terminal (or a pipe we print to) may be gone: ignore SIGPIPE, and if printing
# fails, finish the stop silently rather than leave apps running.
stop_all() {
  trap - INT TERM
  stop_announcer
  trap '' PIPE
  echo || true
  bash "$ROOT/scripts/stop.sh" || bash "$ROOT/scripts/stop.sh" >/dev/null 2>&1
  exit 0
}
trap stop_all INT TERM

if [[ -f "$RUN_DIR/app-web.pid" ]]; then
  wait_for 120 "web" curl -sf -o /dev/null "http://localhost:$WEB_PORT/" \
    || { tail -n 30 "$LOG_DIR/web.log" >&2; fail "the web app did not answer on port $WEB_PORT within 120 s"; }
fi

step "running"
cat <<MSG
    Dashboard      http://localhost:$WEB_PORT
    Partner API    http://localhost:$WEB_PORT/api/v1  (OpenAPI: http://localhost:$WEB_PORT/api/openapi.json)
    Collector      http://localhost:$COLLECTOR_PORT/v1/clicks
    Logs           .data/logs/*.log
MSG
[[ -f "$DATA_DIR/demo-credentials.txt" ]] && cat "$DATA_DIR/demo-credentials.txt"
echo "    Ctrl-C (or npm run stop) stops everything."
# The supervisors' lines (an app restarted, with its exit code or signal; a supervisor giving
# up, and why) are shown here as they happen.
touch "$SUPERVISOR_LOG"
tail -n 0 -F "$SUPERVISOR_LOG" 2>/dev/null &
announcer=$!
# Keep the foreground alive while the apps run; poll so the INT trap fires promptly.
declare -A reported=()
while :; do
  # `npm run stop` from another terminal removes the pid files: then there is nothing to watch.
  compgen -G "$RUN_DIR/app-*.pid" >/dev/null || { info "apps stopped"; exit 0; }
  for f in "$RUN_DIR"/app-*.pid; do
    [[ -e "$f" ]] || continue
    if ! pid_alive "$f" && [[ -z "${reported[$f]:-}" ]]; then
      reported[$f]=1
      info "$(basename "$f" .pid) is down and its supervisor has exited: see .data/logs/"
    fi
  done
  sleep 5 & wait $!
done
