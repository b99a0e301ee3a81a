# Shared helpers for the project's shell scripts: defaults for the env vars, logging, waits.
# Sourced, never run. Every default here is documented in README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="$ROOT/.cache"
DATA_DIR="$ROOT/.data"
RUN_DIR="$DATA_DIR/run"
mkdir -p "$CACHE_DIR" "$RUN_DIR"

export KAFKA_BROKERS="${KAFKA_BROKERS:-localhost:9092}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/adclicks}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export KAFKA_PARTITIONS="${KAFKA_PARTITIONS:-12}"
# Monitoring: an existing Prometheus / Alertmanager when their URL is set, else ours on these
# ports (scripts/infra.sh), scraping every process on its metrics port.
PROMETHEUS_EXTERNAL="${PROMETHEUS_URL:+1}"
ALERTMANAGER_EXTERNAL="${ALERTMANAGER_URL:+1}"
export PROMETHEUS_PORT="${PROMETHEUS_PORT:-9090}" ALERTMANAGER_PORT="${ALERTMANAGER_PORT:-9093}"
export PROMETHEUS_URL="${PROMETHEUS_URL:-http://127.0.0.1:$PROMETHEUS_PORT}"
export ALERTMANAGER_URL="${ALERTMANAGER_URL:-http://127.0.0.1:$ALERTMANAGER_PORT}"
export COLLECTOR_METRICS_PORT="${COLLECTOR_METRICS_PORT:-4001}" METRICS_PORT="${METRICS_PORT:-9464}"
export ARCHIVER_PORT="${ARCHIVER_PORT:-4102}" WEB_METRICS_PORT="${WEB_METRICS_PORT:-3001}"
export MONITOR_PORT="${MONITOR_PORT:-9465}"
export RECON_METRICS_PORT="${RECON_METRICS_PORT:-4103}"
# Sign-in sessions are signed with this; generated once per checkout and kept in .data/,
# readable by its owner only (as the demo credentials the seed writes there).
if [[ -z "${BETTER_AUTH_SECRET:-}" ]]; then
  mkdir -p "$DATA_DIR"
  [[ -s "$DATA_DIR/auth-secret" ]] || (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64"))' > "$DATA_DIR/auth-secret")
  chmod 600 "$DATA_DIR/auth-secret"
  BETTER_AUTH_SECRET="$(cat "$DATA_DIR/auth-secret")"
fi
export BETTER_AUTH_SECRET
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export NEXT_TELEMETRY_DISABLED=1
export TURBO_TELEMETRY_DISABLED=1

step() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
fail() { printf '\033[1;31mxx  %s\033[0m\n' "$*" >&2; exit 1; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.5 s until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# pid_alive FILE: the process named in a pid file is running.
pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# url_part URL FIELD: host|port|db|user of a postgres:// or redis:// URL.
url_part() {
  node -e '
    const u = new URL(process.argv[1]);
    const f = process.argv[2];
    const def = u.protocol.startsWith("redis") ? "6379" : "5432";
    const out = { host: u.hostname || "127.0.0.1", port: u.port || def,
      db: u.pathname.replace(/^\//, ""), user: decodeURIComponent(u.username || "postgres") }[f];
    process.stdout.write(String(out ?? ""));' "$1" "$2"
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

apt_install() {
  command -v apt-get >/dev/null || fail "need to install $* but apt-get is missing: install them by hand"
  step "installing Debian packages: $*"
  if [[ ! -f "$CACHE_DIR/.apt-updated" ]]; then apt-get update -qq && touch "$CACHE_DIR/.apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
    || fail "apt-get install $* failed: install them by hand (as root) and retry"
}
