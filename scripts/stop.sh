#!/usr/bin/env bash
# `npm run stop`: stops exactly what our scripts started (by pid file), nothing else.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

stop_pidfile() {
  local file=$1 name pid
  name=$(basename "$file" .pid)
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    step "stopping $name (pid $pid)"
    # Apps run in their own process group (setsid): stop the whole group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      info "$name did not stop in 30 s: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

# Apps first (they checkpoint on SIGTERM and need the infrastructure for that), then the
# monitoring, then Kafka.
for f in "$RUN_DIR"/app-*.pid; do [[ -e "$f" ]] && stop_pidfile "$f"; done
for m in prometheus alertmanager; do [[ -f "$RUN_DIR/$m.pid" ]] && stop_pidfile "$RUN_DIR/$m.pid"; done
[[ -f "$RUN_DIR/kafka.pid" ]] && stop_pidfile "$RUN_DIR/kafka.pid"
[[ -f "$RUN_DIR/redis.pid" ]] && stop_pidfile "$RUN_DIR/redis.pid"
if [[ -f "$RUN_DIR/postgres.datadir" ]]; then
  step "stopping the private Postgres"
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  runas=(); [[ $(id -u) == 0 ]] && runas=(runuser -u postgres --)
  "${runas[@]}" "$pgbin/pg_ctl" -D "$(cat "$RUN_DIR/postgres.datadir")" -m fast stop >/dev/null || true
  rm -f "$RUN_DIR/postgres.datadir"
fi
step "stopped"
