#!/usr/bin/env bash
# Brings up everything the product needs, without Docker, idempotently: node_modules,
# Kafka (KRaft, fetched from Maven Central), Postgres and Redis (the running servers, or
# private ones under .data/), the project database and its migrations, and the Kafka topics.
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

ensure_node_modules
step "infrastructure"
start_postgres
start_redis
start_kafka
step "database: create if absent, apply migrations"
npx tsx packages/db/src/migrate-cli.ts || fail "migrations failed (see above); is DATABASE_URL=$DATABASE_URL right?"
step "Kafka topics"
npx tsx packages/kafka/src/create-topics-cli.ts || fail "creating Kafka topics failed (see above; Kafka log: .data/kafka.log)"
step "infrastructure ready: Kafka $KAFKA_BROKERS, Postgres $(url_part "$DATABASE_URL" host):$(url_part "$DATABASE_URL" port)/$(url_part "$DATABASE_URL" db), Redis $REDIS_URL"
