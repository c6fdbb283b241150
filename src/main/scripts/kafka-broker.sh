#!/usr/bin/env bash
# A single-node local Kafka broker (KRaft: broker and controller in one JVM) from Maven-resolved jars,
# with FreshRec's topics. No download beyond Maven Central; Debian has no Kafka package.
#
#   src/main/scripts/kafka-broker.sh start      collect the jars (once), format storage (once), start, create topics
#   src/main/scripts/kafka-broker.sh stop       stop the broker
#   src/main/scripts/kafka-broker.sh kill       kill the broker with SIGKILL (a crash: no clean shutdown; data kept)
#   src/main/scripts/kafka-broker.sh status     is it running, and its topics
#   src/main/scripts/kafka-broker.sh topics     create FreshRec's topics (idempotent; start does it)
#   src/main/scripts/kafka-broker.sh consume TOPIC [MAX]   print records (read_committed) with keys, from the start
#   src/main/scripts/kafka-broker.sh reset      stop and delete the broker's data
#
# Environment (defaults in brackets):
#   FRESHREC_KAFKA_PORT [9092]        client listener (127.0.0.1); the controller listens on +1
#   FRESHREC_KAFKA_DIR [target/kafka-broker]   jars, config, data, log, pid
#   FRESHREC_KAFKA_PARTITIONS [2]     partitions of the interactions and output topics
#   FRESHREC_MVN [mvn]                Maven command used once to collect the broker's jars
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/pom.xml")"
LOG4J_VERSION="$(sed -n 's:.*<log4j.version>\(.*\)</log4j.version>.*:\1:p' "$ROOT/pom.xml")"
PORT="${FRESHREC_KAFKA_PORT:-9092}"
CONTROLLER_PORT=$((PORT + 1))
DIR="${FRESHREC_KAFKA_DIR:-$ROOT/target/kafka-broker}"
case "$DIR" in /*) ;; *) DIR="$ROOT/$DIR" ;; esac
PARTITIONS="${FRESHREC_KAFKA_PARTITIONS:-2}"
MVN="${FRESHREC_MVN:-mvn}"
LIB="$DIR/libs"
PID_FILE="$DIR/broker.pid"
BOOTSTRAP="127.0.0.1:$PORT"

die() { echo "kafka-broker: $*" >&2; exit 1; }
# The broker log's last warnings and errors and its last lines, indented, to standard error: a failed start far away
# (CI) can then be read from the output.
log_tail() {
  [ -f "$DIR/broker.log" ] || return 0
  echo "  --- broker.log: warnings and errors (last 10), then the last 15 lines ---" >&2
  grep -E '(WARN|ERROR)' "$DIR/broker.log" | tail -n 10 | cut -c1-400 | sed 's/^/  | /' >&2 || true
  echo "  ..." >&2
  tail -n 15 "$DIR/broker.log" | cut -c1-400 | sed 's/^/  | /' >&2
}
[[ "$PORT" =~ ^[0-9]+$ ]] && (( PORT > 0 && PORT < 65535 )) || die "bad port '$PORT' (FRESHREC_KAFKA_PORT)"
[[ "$PARTITIONS" =~ ^[1-9][0-9]*$ ]] || die "bad partition count '$PARTITIONS' (FRESHREC_KAFKA_PARTITIONS)"

# The marker names what the jars are for: Kafka's version and the log4j one (a change of either collects anew).
MARKER=".complete-$KAFKA_VERSION-log4j-$LOG4J_VERSION-tools"

ensure_lib() {
  [ -f "$LIB/$MARKER" ] && return
  echo "Collecting Kafka $KAFKA_VERSION broker jars into $LIB (once)..."
  mkdir -p "$DIR"
  cat > "$DIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.freshrec.local</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-1.2-api</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
POM
  rm -rf "$LIB"
  "$MVN" -q -B -f "$DIR/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DoutputDirectory="$LIB" -DincludeScope=runtime || die "could not collect the broker's jars with Maven"
  touch "$LIB/$MARKER"
}

running() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

kafka_java() { java -Xms256m -Xmx768m -Dlog4j2.configurationFile="$DIR/log4j2.properties" -cp "$LIB/*" "$@"; }

write_config() {
  mkdir -p "$DIR/data"
  cat > "$DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$DIR/data
num.partitions=$PARTITIONS
# One broker: internal topics with one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# FreshRec's exactly-once sinks use transactions of at most freshrec.kafka.transaction-timeout (10 min).
transaction.max.timeout.ms=900000
auto.create.topics.enable=false
PROPS
  cat > "$DIR/log4j2.properties" <<LOG
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = File
appender.file.name = File
appender.file.type = File
appender.file.fileName = $DIR/broker.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c{1} - %m%n
LOG
}

topic() { # name, extra configs...
  local name="$1"; shift
  local args=()
  for config in "$@"; do args+=(--config "$config"); done
  kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$name" --partitions "$PARTITIONS" --replication-factor 1 ${args[@]+"${args[@]}"} >/dev/null
  echo "  topic $name"
}

create_topics() {
  echo "Creating FreshRec's topics ($PARTITIONS partitions each)..."
  topic freshrec-interactions
  topic freshrec-dead-letters retention.ms=1209600000
  # Compacted: the latest snapshot of every item and the latest commit; the latest list of every user.
  topic freshrec-model-updates cleanup.policy=compact
  topic freshrec-recommendations cleanup.policy=compact
}

start() {
  running && { echo "Kafka broker already running (pid $(cat "$PID_FILE")) on $BOOTSTRAP"; return; }
  command -v java >/dev/null || die "java not found (Java 17 needed)"
  ensure_lib
  write_config
  if [ ! -f "$DIR/data/meta.properties" ]; then
    echo "Formatting the broker's storage in $DIR/data..."
    kafka_java kafka.tools.StorageTool format -t "$(kafka_java kafka.tools.StorageTool random-uuid)" \
      -c "$DIR/server.properties" >/dev/null
  fi
  echo "Starting a Kafka $KAFKA_VERSION broker on $BOOTSTRAP (log: $DIR/broker.log)..."
  nohup java -Xms256m -Xmx768m -Dlog4j2.configurationFile="$DIR/log4j2.properties" -cp "$LIB/*" \
    kafka.Kafka "$DIR/server.properties" >"$DIR/broker.out" 2>&1 &
  echo $! > "$PID_FILE"
  local waited=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
    running || { log_tail; die "the broker stopped during start-up; see $DIR/broker.out and $DIR/broker.log"; }
    sleep 1; waited=$((waited + 1))
    (( waited % 5 == 0 )) && echo "  still starting ($waited s)..."
    (( waited < 60 )) || { log_tail; die "the broker did not open $BOOTSTRAP within 60 s; see $DIR/broker.log"; }
  done
  echo "Broker up after ${waited} s."
  create_topics
  echo "Kafka is ready: bootstrap servers $BOOTSTRAP"
}

# The running broker's pid; otherwise says so, forgets a stale pid file and returns 1.
broker_pid() {
  if ! running; then
    echo "Kafka broker is not running."
    rm -f "$PID_FILE"
    return 1
  fi
  cat "$PID_FILE"
}

stop() {
  local pid; pid="$(broker_pid)" || { echo "$pid"; return; }
  echo "Stopping the Kafka broker (pid $pid)..."
  kill "$pid"
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PID_FILE"; echo "Stopped."; return; }
    sleep 1
  done
  echo "It did not stop within 30 s: killing it."
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
}

# Gone, or a zombie its reaper has not collected yet (the broker is orphaned once start returns).
dead() { ! kill -0 "$1" 2>/dev/null || [[ "$(ps -o stat= -p "$1" 2>/dev/null)" == Z* ]]; }

kill_broker() {
  local pid; pid="$(broker_pid)" || { echo "$pid"; return; }
  echo "Killing the Kafka broker (pid $pid) with SIGKILL..."
  kill -9 "$pid"
  for _ in $(seq 1 50); do
    dead "$pid" && { rm -f "$PID_FILE"; echo "Killed."; return; }
    sleep 0.2
  done
  die "pid $pid still alive 10 s after SIGKILL"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  kill) kill_broker ;;
  status)
    if running; then
      echo "Kafka broker running (pid $(cat "$PID_FILE")) on $BOOTSTRAP; topics:"
      kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --list | sed 's/^/  /'
    else
      echo "Kafka broker is not running."; exit 3
    fi ;;
  topics) running || die "the broker is not running (start it first)"; create_topics ;;
  consume)
    [ -n "${2:-}" ] || die "usage: kafka-broker.sh consume TOPIC [MAX]"
    running || die "the broker is not running (start it first)"
    max=()
    [ -n "${3:-}" ] && max=(--max-messages "$3")
    kafka_java org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$BOOTSTRAP" --topic "$2" --from-beginning \
      --isolation-level read_committed --property print.key=true --timeout-ms 10000 ${max[@]+"${max[@]}"} 2>/dev/null || true ;;
  reset) stop; rm -rf "$DIR/data"; echo "Deleted the broker's data." ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
