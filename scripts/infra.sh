#!/usr/bin/env bash
# Brings up everything the product needs, without Docker, idempotently: node_modules,
# Kafka (KRaft, fetched from Maven Central), Postgres and Redis (the running servers, or
# private ones under .data/), Prometheus and Alertmanager (Debian packages; or PROMETHEUS_URL),
# the project database and its migrations, and the Kafka topics.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

KAFKA_VERSION_DIR="$CACHE_DIR/kafka"
KAFKA_LIBS="$KAFKA_VERSION_DIR/libs"
KAFKA_DATA="$DATA_DIR/kafka"
KAFKA_PID="$RUN_DIR/kafka.pid"
KAFKA_LOG="$DATA_DIR/kafka.log"

ensure_node_modules() {
  if [[ ! -d node_modules/.bin || package-lock.json -nt node_modules/.package-lock.json ]]; then
    step "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed: check network access to the npm registry"
  fi
}

ensure_java() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
}

ensure_kafka_jars() {
  if [[ -f "$KAFKA_LIBS/.complete" && "$KAFKA_LIBS/.complete" -nt infra/kafka/pom.xml ]]; then return; fi
  step "fetching the Kafka broker from Maven Central (once; cached in .cache/kafka)"
  rm -rf "$KAFKA_LIBS"
  mvn -q -B -f infra/kafka/pom.xml dependency:copy-dependencies \
    -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime \
    || fail "mvn could not resolve org.apache.kafka:kafka_2.13 (see infra/kafka/pom.xml): check access to Maven Central"
  touch "$KAFKA_LIBS/.complete"
}

kafka_tool() {
  java -Xmx256m -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.properties" -cp "$KAFKA_LIBS/*" "$@"
}

start_kafka() {
  local host port
  host="${KAFKA_BROKERS%%,*}"; port="${host##*:}"; host="${host%:*}"
  if pid_alive "$KAFKA_PID"; then
    info "Kafka already running (pid $(cat "$KAFKA_PID"))"
  elif tcp_open "$host" "$port"; then
    info "Kafka answers on $host:$port (not started by us): using it"
    return
  else
    ensure_java
    ensure_kafka_jars
    mkdir -p "$KAFKA_DATA"
    sed -e "s#@DATA@#$KAFKA_DATA/logs#" -e "s#@PORT@#$port#g" -e "s#@PARTITIONS@#$KAFKA_PARTITIONS#" \
      infra/kafka/server.properties > "$KAFKA_DATA/server.properties"
    if [[ ! -f "$KAFKA_DATA/logs/meta.properties" ]]; then
      step "formatting Kafka KRaft storage"
      kafka_tool kafka.tools.StorageTool format -t "$(kafka_tool kafka.tools.StorageTool random-uuid)" \
        -c "$KAFKA_DATA/server.properties" >/dev/null || fail "Kafka storage format failed"
    fi
    step "starting Kafka on $host:$port (log: .data/kafka.log)"
    # setsid: its own process group, so `npm run stop` (and only it) takes it down.
    setsid nohup java -Xms512m -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.properties" \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DATA/server.properties" >"$KAFKA_LOG" 2>&1 < /dev/null &
    echo $! > "$KAFKA_PID"
  fi
  if ! wait_for 90 "Kafka" tcp_open "$host" "$port"; then
    tail -n 30 "$KAFKA_LOG" >&2 || true
    fail "Kafka did not open $host:$port within 90 s (last log lines above)"
  fi
}

start_postgres() {
  local host port pgbin
  host=$(url_part "$DATABASE_URL" host); port=$(url_part "$DATABASE_URL" port)
  if command -v pg_isready >/dev/null && pg_isready -q -h "$host" -p "$port"; then
    info "Postgres answers on $host:$port"
  elif tcp_open "$host" "$port"; then
    info "Postgres port $host:$port is open"
  else
    pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$pgbin" ]]; then apt_install postgresql; pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); fi
    step "starting a private Postgres on port $port (data: .data/postgres)"
    local pgdata="$DATA_DIR/postgres" runas=()
    if [[ $(id -u) == 0 ]]; then id postgres >/dev/null 2>&1 || useradd -r postgres; runas=(runuser -u postgres --); fi
    mkdir -p "$pgdata"; [[ $(id -u) == 0 ]] && chown postgres "$pgdata" "$DATA_DIR"
    if [[ ! -f "$pgdata/PG_VERSION" ]]; then
      "${runas[@]}" "$pgbin/initdb" -D "$pgdata" -U postgres --auth=trust >/dev/null || fail "initdb failed"
    fi
    "${runas[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$DATA_DIR/postgres.log" -w \
      -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null \
      || fail "Postgres did not start: see .data/postgres.log"
    echo "$pgdata" > "$RUN_DIR/postgres.datadir"
  fi
}

start_redis() {
  local host port
  host=$(url_part "$REDIS_URL" host); port=$(url_part "$REDIS_URL" port)
  if tcp_open "$host" "$port"; then
    info "Redis answers on $host:$port"
    return
  fi
  command -v redis-server >/dev/null || apt_install redis-server
  step "starting a private Redis on port $port (data: .data/redis)"
  mkdir -p "$DATA_DIR/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --dir "$DATA_DIR/redis" \
    --save "" --appendonly no --pidfile "$RUN_DIR/redis.pid" --logfile "$DATA_DIR/redis.log" \
    || fail "redis-server did not start: see .data/redis.log"
  wait_for 20 "Redis" tcp_open "$host" "$port" || fail "Redis did not open port $port: see .data/redis.log"
}

PROM_DATA="$DATA_DIR/prometheus"
AM_DATA="$DATA_DIR/alertmanager"

# write_scrape_targets DIR: one file_sd entry per process of the product, each with its job.
write_scrape_targets() {
  mkdir -p "$1"
  local shipper=""
  [[ -n "${SHIPPER_METRICS_PORT:-}" ]] && shipper=",{\"targets\":[\"127.0.0.1:$SHIPPER_METRICS_PORT\"],\"labels\":{\"job\":\"shipper\"}}"
  cat > "$1/adclicks.json.tmp" <<JSON
[{"targets":["127.0.0.1:$COLLECTOR_METRICS_PORT"],"labels":{"job":"collector"}},
 {"targets":["127.0.0.1:$METRICS_PORT"],"labels":{"job":"aggregator"}},
 {"targets":["127.0.0.1:$ARCHIVER_PORT"],"labels":{"job":"archiver"}},
 {"targets":["127.0.0.1:$WEB_METRICS_PORT"],"labels":{"job":"web"}},
 {"targets":["127.0.0.1:$MONITOR_PORT"],"labels":{"job":"monitor"}},
 {"targets":["127.0.0.1:$RECON_METRICS_PORT"],"labels":{"job":"recon"}}$shipper]
JSON
  mv "$1/adclicks.json.tmp" "$1/adclicks.json"
}

# start_daemon NAME ID PORT URL COMMAND...: reloads the running one (pid file .data/run/ID.pid), or
# starts COMMAND in its own process group (log .data/ID.log); then waits for URL/-/ready.
start_daemon() {
  local name=$1 id=$2 port=$3 url=$4; shift 4
  if pid_alive "$RUN_DIR/$id.pid"; then
    curl -sf -X POST "$url/-/reload" >/dev/null || info "$name did not reload its config"
    info "$name already running (pid $(cat "$RUN_DIR/$id.pid"))"
  else
    local var; var="$(echo "$id" | tr '[:lower:]' '[:upper:]')"
    tcp_open 127.0.0.1 "$port" && fail "port $port is taken: set ${var}_PORT to a free port, or ${var}_URL to use that $name"
    step "starting $name on 127.0.0.1:$port (log: .data/$id.log)"
    setsid nohup "$@" >"$DATA_DIR/$id.log" 2>&1 < /dev/null &
    echo $! > "$RUN_DIR/$id.pid"
  fi
  wait_for 30 "$name" curl -sf "$url/-/ready" \
    || { tail -n 20 "$DATA_DIR/$id.log" >&2; fail "$name did not get ready on port $port (last log lines above)"; }
}

# start_monitoring: Prometheus and Alertmanager from Debian's packages, on loopback, each in its
# own process group; already running ones re-read their rendered config.
start_monitoring() {
  if [[ -z "$ALERTMANAGER_EXTERNAL" ]]; then
    command -v prometheus-alertmanager >/dev/null || apt_install prometheus-alertmanager
    mkdir -p "$AM_DATA"
    local am_conf="$AM_DATA/alertmanager.yml"
    if [[ -n "${ALERT_WEBHOOK_URL:-}" ]]; then
      sed -e "s#@WEBHOOK_URL@#$ALERT_WEBHOOK_URL#" infra/prometheus/alertmanager.yml
    else
      sed -e '/# webhook-begin/,/# webhook-end/d' infra/prometheus/alertmanager.yml
    fi | sed -e "s#@GROUP_WAIT@#10s#" -e "s#@GROUP_INTERVAL@#1m#" > "$am_conf"
    start_daemon Alertmanager alertmanager "$ALERTMANAGER_PORT" "$ALERTMANAGER_URL" \
      prometheus-alertmanager --config.file="$am_conf" --storage.path="$AM_DATA" \
      --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" --cluster.listen-address=
  else
    info "Alertmanager at $ALERTMANAGER_URL (ALERTMANAGER_URL): using it"
  fi
  if [[ -n "$PROMETHEUS_EXTERNAL" ]]; then
    info "Prometheus at $PROMETHEUS_URL (PROMETHEUS_URL): using it; it should scrape the jobs of docs/metrics.md and load infra/prometheus/alerts.yml"
    return
  fi
  command -v prometheus >/dev/null || apt_install prometheus
  mkdir -p "$PROM_DATA"
  write_scrape_targets "$PROM_DATA/targets"
  local am_host="${ALERTMANAGER_URL#*://}"; am_host="${am_host%%/*}"
  sed -e "s#@SCRAPE_INTERVAL@#${PROMETHEUS_SCRAPE_INTERVAL:-5s}#" -e "s#@SCRAPE_TIMEOUT@#4s#" \
    -e "s#@EVALUATION_INTERVAL@#${PROMETHEUS_EVALUATION_INTERVAL:-5s}#" -e "s#@RULES@#$ROOT/infra/prometheus/alerts.yml#" \
    -e "s#@ALERTMANAGER@#$am_host#" -e "s#@TARGETS_DIR@#$PROM_DATA/targets#" \
    -e "s#@PROMETHEUS@#127.0.0.1:$PROMETHEUS_PORT#" infra/prometheus/prometheus.yml > "$PROM_DATA/prometheus.yml"
  promtool check config "$PROM_DATA/prometheus.yml" >/dev/null || fail "the rendered .data/prometheus/prometheus.yml is invalid (promtool check config)"
  start_daemon Prometheus prometheus "$PROMETHEUS_PORT" "$PROMETHEUS_URL" \
    prometheus --config.file="$PROM_DATA/prometheus.yml" --storage.tsdb.path="$PROM_DATA/data" \
    --storage.tsdb.retention.time=3d --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle
}

ensure_node_modules
step "infrastructure"
start_postgres
start_redis
start_kafka
start_monitoring
step "database: create if absent, apply migrations"
npx tsx packages/db/src/migrate-cli.ts || fail "migrations failed (see above); is DATABASE_URL=$DATABASE_URL right?"
step "Kafka topics"
npx tsx packages/kafka/src/create-topics-cli.ts || fail "creating Kafka topics failed (see above; Kafka log: .data/kafka.log)"
step "infrastructure ready: Kafka $KAFKA_BROKERS, Postgres $(url_part "$DATABASE_URL" host):$(url_part "$DATABASE_URL" port)/$(url_part "$DATABASE_URL" db), Redis $REDIS_URL, Prometheus $PROMETHEUS_URL, Alertmanager $ALERTMANAGER_URL"
