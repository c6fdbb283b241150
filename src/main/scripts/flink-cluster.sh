#!/usr/bin/env bash
# A local standalone Flink session cluster (a JobManager and TaskManagers as separate JVMs) from Maven-resolved
# jars, configured by the project's flink-conf/config.yaml. Flink's binary distribution is not needed.
#
#   src/main/scripts/flink-cluster.sh start [-D key=value ...]   collect the jars (once), write the configuration,
#                                                start a JobManager and one TaskManager, wait until it is registered
#   src/main/scripts/flink-cluster.sh stop       stop every TaskManager, then the JobManager (by recorded pid)
#   src/main/scripts/flink-cluster.sh status     what runs: processes, registered TaskManagers, slots, jobs
#   src/main/scripts/flink-cluster.sh start-taskmanager      start one more TaskManager and wait until it registers
#   src/main/scripts/flink-cluster.sh kill-taskmanager [N]   kill -9 TaskManager N (default: the first running one)
#   src/main/scripts/flink-cluster.sh kill-jobmanager        kill -9 the JobManager (without HA its jobs are lost:
#                                                            start again, then `freshrec resume`)
#   src/main/scripts/flink-cluster.sh logs [NAME [LINES]]    the end of each log, or of one (jobmanager, taskmanager-0)
#
# Environment (defaults in brackets):
#   FRESHREC_CLUSTER_DIR [target/flink-cluster]  jars (lib/), generated conf/, log/, pids, tmp/, checkpoints/
#   FRESHREC_CLUSTER_REST_PORT [28081]           REST API and web UI (127.0.0.1)
#   FRESHREC_CLUSTER_PORT_BASE [26100]           JobManager rpc +0, blob +1, metrics +2; TaskManager N rpc, data,
#                                                metrics +10+10N, +11+10N, +12+10N (N = 0..8)
#   FRESHREC_CLUSTER_QS_PROXY_PORT [29069]       queryable-state proxy of TaskManager 0 (TaskManager N: +10N)
#   FRESHREC_CLUSTER_QS_SERVER_PORT [29067]      queryable-state server of TaskManager 0 (TaskManager N: +10N)
#   FRESHREC_CLUSTER_SAVEPOINTS [savepoints]     state.savepoints.dir (the version registry's default directory)
#   FRESHREC_FLINK_CONF [flink-conf]             the configuration the cluster's is generated from
#   FRESHREC_MVN [mvn]                           Maven command used once to collect the cluster's jars
# Any Flink setting can be changed for one cluster with `start -D key=value` (e.g. -D taskmanager.numberOfTaskSlots=4).
set -euo pipefail
shopt -s inherit_errexit  # a failure inside $(...) ends the script there, with its own one-line message

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
FLINK_VERSION="$(sed -n 's:.*<flink.version>\(.*\)</flink.version>.*:\1:p' "$ROOT/pom.xml")"
LOG4J_VERSION="$(sed -n 's:.*<log4j.version>\(.*\)</log4j.version>.*:\1:p' "$ROOT/pom.xml")"
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }
DIR="$(absolute "${FRESHREC_CLUSTER_DIR:-target/flink-cluster}")"
REST_PORT="${FRESHREC_CLUSTER_REST_PORT:-28081}"
PORT_BASE="${FRESHREC_CLUSTER_PORT_BASE:-26100}"
QS_PROXY_PORT="${FRESHREC_CLUSTER_QS_PROXY_PORT:-29069}"
QS_SERVER_PORT="${FRESHREC_CLUSTER_QS_SERVER_PORT:-29067}"
SAVEPOINTS="$(absolute "${FRESHREC_CLUSTER_SAVEPOINTS:-savepoints}")"
SOURCE_CONF="$(absolute "${FRESHREC_FLINK_CONF:-flink-conf}")"
MVN="${FRESHREC_MVN:-mvn}"
LIB="$DIR/lib"
METRICS_JAR="$ROOT/target/freshrec-metrics.jar"
CONF="$DIR/conf"
LOGS="$DIR/log"
PIDS="$DIR/pids"
REST="http://127.0.0.1:$REST_PORT"
MAX_TASKMANAGERS=9
RESULT_PREFIX="BASH_JAVA_UTILS_EXEC_RESULT:"

die() { echo "flink-cluster: $*" >&2; exit 1; }
for port in "$REST_PORT" "$PORT_BASE" "$QS_PROXY_PORT" "$QS_SERVER_PORT"; do
  [[ "$port" =~ ^[0-9]+$ ]] && (( port > 0 && port < 65436 )) || die "bad port '$port' (FRESHREC_CLUSTER_*_PORT*)"
done

# ---- jars and configuration ----

ensure_lib() {
  [ -f "$LIB/.complete-$FLINK_VERSION-log4j-$LOG4J_VERSION" ] && return
  echo "Collecting the Flink $FLINK_VERSION cluster jars into $LIB (once; src/main/cluster/pom.xml)..."
  rm -rf "$LIB"
  "$MVN" -q -B -f "$ROOT/src/main/cluster/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -Dflink.version="$FLINK_VERSION" -Dlog4j.version="$LOG4J_VERSION" -DoutputDirectory="$LIB" -DincludeScope=runtime \
    || die "could not collect the cluster's jars with Maven (see the output above)"
  touch "$LIB/.complete-$FLINK_VERSION-log4j-$LOG4J_VERSION"
  echo "  $(ls "$LIB"/*.jar | wc -l) jars, $(du -sh "$LIB" | cut -f1)"
}

flink_java() { java -cp "$LIB/*" "$@"; }

# The result lines of Flink's own helper (the one bin/*.sh uses), without its log output.
bash_java_utils() {
  local output
  output="$(flink_java -Dlog4j2.configurationFile="file:$CONF/log4j-cli.properties" \
    org.apache.flink.runtime.util.bash.BashJavaUtils "$@" 2>&1)" \
    || die "Flink's configuration helper failed: $({ grep -m1 -E 'Exception|Error' <<<"$output" || echo "${output##*$'\n'}"; } \
      | sed -E 's/^.*(Exception|Error): //')"
  { grep "^$RESULT_PREFIX" <<<"$output" || true; } | sed "s/^$RESULT_PREFIX//"
}

# conf/config.yaml: the project's configuration, then the cluster's own settings, then `start -D` settings.
write_config() {
  [ -f "$SOURCE_CONF/config.yaml" ] || die "no config.yaml in $SOURCE_CONF (FRESHREC_FLINK_CONF)"
  mkdir -p "$CONF" "$LOGS" "$PIDS" "$DIR/tmp" "$DIR/checkpoints" "$SAVEPOINTS"
  cat > "$CONF/log4j.properties" <<'LOG'
# JobManager and TaskManager logs, rolled like Flink's distribution does (log.file is set per process).
monitorInterval = 30
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
logger.pekko.name = org.apache.pekko
logger.pekko.level = INFO
logger.kafka.name = org.apache.kafka
logger.kafka.level = INFO
logger.zookeeper.name = org.apache.zookeeper
logger.zookeeper.level = INFO
logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline
logger.netty.level = OFF
appender.main.name = MainAppender
appender.main.type = RollingFile
appender.main.append = true
appender.main.fileName = ${sys:log.file}
appender.main.filePattern = ${sys:log.file}.%i
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
appender.main.policies.type = Policies
appender.main.policies.size.type = SizeBasedTriggeringPolicy
appender.main.policies.size.size = 100MB
appender.main.policies.startup.type = OnStartupTriggeringPolicy
appender.main.strategy.type = DefaultRolloverStrategy
appender.main.strategy.max = 5
LOG
  cat > "$CONF/log4j-cli.properties" <<'LOG'
rootLogger.level = WARN
rootLogger.appenderRef.console.ref = Console
appender.console.name = Console
appender.console.type = Console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %-5p %c{1} - %m%n
LOG
  local settings=(
    # Loopback only, every port pinned: several clusters (and tests) can run side by side.
    -D "jobmanager.rpc.address=127.0.0.1" -D "jobmanager.bind-host=127.0.0.1" -D "jobmanager.rpc.port=$PORT_BASE"
    -D "blob.server.port=$((PORT_BASE + 1))" -D "metrics.internal.query-service.port=$((PORT_BASE + 2))"
    -D "taskmanager.host=127.0.0.1" -D "taskmanager.bind-host=127.0.0.1"
    -D "rest.address=127.0.0.1" -D "rest.bind-address=127.0.0.1" -D "rest.port=$REST_PORT"
    -D "queryable-state.enable=true"
    -D "queryable-state.proxy.ports=$QS_PROXY_PORT" -D "queryable-state.server.ports=$QS_SERVER_PORT"
    # Everything the cluster writes stays in its directory; savepoints (model versions) go to savepoints/.
    -D "io.tmp.dirs=$DIR/tmp" -D "web.tmpdir=$DIR/tmp/web"
    -D "execution.checkpointing.dir=file://$DIR/checkpoints" -D "state.savepoints.dir=file://$SAVEPOINTS"
    # Java 17: the opens and exports Flink's own distribution configures.
    -D "env.java.opts.all=--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"
  )
  local lines
  lines="$(bash_java_utils UPDATE_AND_GET_FLINK_CONFIGURATION --configDir "$SOURCE_CONF" "${settings[@]}" \
    ${EXTRA_SETTINGS[@]+"${EXTRA_SETTINGS[@]}"} -flatten)"
  [ -n "$lines" ] || die "Flink's configuration helper returned no configuration for $SOURCE_CONF"
  {
    echo "# Generated by src/main/scripts/flink-cluster.sh at every start from $SOURCE_CONF/config.yaml"
    echo "# plus the cluster's own settings (ports, directories). Edit those, not this file."
    sort <<<"$lines"
  } > "$CONF/config.yaml"
}

setting() { # key: its value in the generated configuration, unquoted
  sed -n "s/^$(sed 's/\./\\./g' <<<"$1"): //p" "$CONF/config.yaml" | sed "s/^'\(.*\)'$/\1/"
}

# ---- processes ----

pid_file() { echo "$PIDS/$1.pid"; }

# The recorded pid of a process of this cluster, if it still runs (a recycled pid is not ours: check its command).
live_pid() {
  local file pid
  file="$(pid_file "$1")"
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--configDir $CONF "; then
    echo "$pid"
  else
    return 1
  fi
}

taskmanager_slots() { seq 0 $((MAX_TASKMANAGERS - 1)); }

running_taskmanagers() {
  local n
  for n in $(taskmanager_slots); do live_pid "taskmanager-$n" >/dev/null && echo "$n"; done
  return 0
}

# The memory flags Flink's calculator derives from the configuration (as bin/jobmanager.sh and taskmanager.sh do):
# line 1 JVM options, line 2 dynamic properties.
resource_params() { # GET_JM_RESOURCE_PARAMS | GET_TM_RESOURCE_PARAMS
  local params
  params="$(bash_java_utils "$1" --configDir "$CONF")"
  [ "$(wc -l <<<"$params")" -eq 2 ] || die "Flink's memory calculator gave no result for $1; check the memory settings in $CONF/config.yaml"
  echo "$params"
}

launch() { # name, main class, jvm options, arguments...
  local name="$1" main="$2" jvm="$3"
  shift 3
  local java_opts
  java_opts="$(setting env.java.opts.all)"
  [ -f "$METRICS_JAR" ] || die "no $METRICS_JAR (FreshRec's loopback Prometheus reporter); build it: mvn -q -DskipTests package"
  mkdir -p "$DIR/plugins"
  # exec: the recorded pid is the JVM's, and no shell between holds this script's output open.
  # shellcheck disable=SC2086 # the JVM options are words
  # FreshRec's loopback Prometheus reporter (flink-conf: metrics.reporter.prom.factory.class) beside Flink's jars.
  (cd "$ROOT" && export FLINK_CONF_DIR="$CONF" FLINK_PLUGINS_DIR="$DIR/plugins" && exec nohup java $jvm $java_opts -Dlog.file="$LOGS/$name.log" \
    -Dlog4j.configurationFile="file:$CONF/log4j.properties" -cp "$LIB/*:$METRICS_JAR" "$main" --configDir "$CONF" "$@" \
    < /dev/null > "$LOGS/$name.out" 2>&1) &
  echo $! > "$(pid_file "$name")"
}

start_jobmanager() { # resource params
  local params="$1" jvm dynamic
  jvm="$(sed -n 1p <<<"$params")"
  dynamic="$(sed -n 2p <<<"$params")"
  rm -rf "$DIR/tmp/jobmanager"
  mkdir -p "$DIR/tmp/jobmanager"
  # shellcheck disable=SC2086
  launch jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint "$jvm" \
    -D "io.tmp.dirs=$DIR/tmp/jobmanager" -D "web.tmpdir=$DIR/tmp/jobmanager/web" $dynamic
  echo "Started the JobManager (pid $(cat "$(pid_file jobmanager)"), log $LOGS/jobmanager.log)"
}

# Starts TaskManager $1 with its own ports and temp directory (resource params $2); sets TM_ID to its resource id.
TM_ID=""
start_taskmanager_process() {
  local n="$1" params="$2" jvm dynamic
  jvm="$(sed -n 1p <<<"$params")"
  dynamic="$(sed -n 2p <<<"$params")"
  TM_ID="taskmanager-$n-$(date +%s)"
  # A killed TaskManager leaves its unpacked jars and RocksDB files behind.
  rm -rf "$DIR/tmp/taskmanager-$n"
  mkdir -p "$DIR/tmp/taskmanager-$n"
  # shellcheck disable=SC2086
  launch "taskmanager-$n" org.apache.flink.runtime.taskexecutor.TaskManagerRunner "$jvm" \
    -D "taskmanager.resource-id=$TM_ID" -D "io.tmp.dirs=$DIR/tmp/taskmanager-$n" \
    -D "taskmanager.rpc.port=$((PORT_BASE + 10 + 10 * n))" -D "taskmanager.data.port=$((PORT_BASE + 11 + 10 * n))" \
    -D "metrics.internal.query-service.port=$((PORT_BASE + 12 + 10 * n))" \
    -D "queryable-state.proxy.ports=$((QS_PROXY_PORT + 10 * n))" -D "queryable-state.server.ports=$((QS_SERVER_PORT + 10 * n))" \
    $dynamic
  echo "Started TaskManager $n (pid $(cat "$(pid_file "taskmanager-$n")"), queryable-state proxy 127.0.0.1:$((QS_PROXY_PORT + 10 * n)), log $LOGS/taskmanager-$n.log)"
}

stop_process() { # name
  local pid
  pid="$(live_pid "$1")" || { rm -f "$(pid_file "$1")"; return 0; }
  echo "Stopping $1 (pid $pid)..."
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$(pid_file "$1")"; return 0; }
    sleep 0.5
  done
  echo "  $1 did not stop within 30 s: killing it."
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$(pid_file "$1")"
}

# ---- REST ----

# GET a path of the REST API with bash alone (no curl needed): the body, or a failure when nothing answers 200.
rest_request() { # port path
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
  local response
  response="$(cat <&3)"
  exec 3<&-
  [[ "${response%%$'\r'*}" == *" 200 "* ]] || return 1
  printf '%s' "${response#*$'\r\n\r\n'}"
}
export -f rest_request
rest_get() { timeout 5 bash -c 'rest_request "$@"' _ "$REST_PORT" "$1" 2>/dev/null; }

# The last lines of a process's log, and its warnings and errors before them, indented, to standard error.
log_tail() { # name
  local log="$LOGS/$1.log"
  [ -f "$log" ] || return 0
  echo "  --- $1.log: warnings and errors (last 10), then the last 15 lines ---" >&2
  grep -E ' (WARN|ERROR) ' "$log" | tail -n 10 | cut -c1-400 | sed 's/^/  | /' >&2 || true
  echo "  ..." >&2
  tail -n 15 "$log" | cut -c1-400 | sed 's/^/  | /' >&2
}

json_number() { grep -o "\"$1\":[0-9]*" | head -n1 | cut -d: -f2; }

# Waits until TaskManager $2 (resource id) is registered; $1 names the process that must stay alive meanwhile.
await_registration() {
  local name="$1" id="$2" started="$3" waited
  while true; do
    waited=$(( $(date +%s) - started ))
    rest_get /taskmanagers 2>/dev/null | grep -qF "\"id\":\"$id\"" && break
    live_pid "$name" >/dev/null || die "$name stopped before it registered; see $LOGS/$name.log and $LOGS/$name.out"
    live_pid jobmanager >/dev/null || die "the JobManager stopped; see $LOGS/jobmanager.log and $LOGS/jobmanager.out"
    if (( waited >= 180 )); then
      # What the TaskManager and the JobManager said last, so a failure far away (CI) can be read from its output.
      log_tail "$name"
      log_tail jobmanager
      die "$name did not register within 180 s; see $LOGS/$name.log"
    fi
    (( waited > 0 && waited % 5 == 0 )) && echo "  waiting for $name to register ($waited s)..."
    sleep 1
  done
}

free_slot() {
  local n
  for n in $(taskmanager_slots); do
    live_pid "taskmanager-$n" >/dev/null || { echo "$n"; return 0; }
  done
  return 1
}

# ---- commands ----

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  if live_pid jobmanager >/dev/null; then
    echo "The cluster is already running: $REST (settings given now apply at the next start, after stop)"
    [ -n "$(running_taskmanagers)" ] || echo "It has no TaskManager: src/main/scripts/flink-cluster.sh start-taskmanager"
    return 0
  fi
  command -v java >/dev/null || die "java not found (Java 17 needed)"
  for n in $(running_taskmanagers); do stop_process "taskmanager-$n"; done
  local port
  for port in "$REST_PORT" "$PORT_BASE" "$QS_PROXY_PORT" "$QS_SERVER_PORT"; do
    ! port_in_use "$port" || die "port $port on 127.0.0.1 is in use (another cluster?); pick others with FRESHREC_CLUSTER_*PORT*"
  done
  ensure_lib
  # A start that fails half-way leaves nothing running.
  trap 'stop >/dev/null 2>&1 || true' EXIT
  local begin; begin="$(date +%s)"
  write_config
  rm -rf "$DIR/tmp"; mkdir -p "$DIR/tmp"
  # Both memory layouts first: a setting Flink refuses stops the start before any process runs.
  local jm_params tm_params
  jm_params="$(resource_params GET_JM_RESOURCE_PARAMS)"
  tm_params="$(resource_params GET_TM_RESOURCE_PARAMS)"
  echo "Starting a Flink $FLINK_VERSION session cluster in $DIR (configuration: $CONF/config.yaml)"
  start_jobmanager "$jm_params"
  start_taskmanager_process 0 "$tm_params"
  local waited=0
  until rest_get /overview >/dev/null; do
    live_pid jobmanager >/dev/null || die "the JobManager stopped during start-up; see $LOGS/jobmanager.log and $LOGS/jobmanager.out"
    sleep 1; waited=$(( $(date +%s) - begin ))
    (( waited % 5 == 0 )) && echo "  waiting for the REST API at $REST ($waited s)..."
    (( waited < 180 )) || die "no REST API at $REST within 180 s; see $LOGS/jobmanager.log"
  done
  echo "REST API up after $(( $(date +%s) - begin )) s; waiting for TaskManager 0 to register..."
  await_registration taskmanager-0 "$TM_ID" "$begin"
  trap - EXIT
  echo "Cluster ready in $(( $(date +%s) - begin )) s: REST and web UI $REST, 1 TaskManager with $(setting taskmanager.numberOfTaskSlots) slots, queryable-state proxy 127.0.0.1:$QS_PROXY_PORT"
}

start_taskmanager() {
  live_pid jobmanager >/dev/null || die "the cluster is not running (start it first)"
  local n begin
  n="$(free_slot)" || die "already $MAX_TASKMANAGERS TaskManagers running"
  begin="$(date +%s)"
  start_taskmanager_process "$n" "$(resource_params GET_TM_RESOURCE_PARAMS)"
  await_registration "taskmanager-$n" "$TM_ID" "$begin"
  echo "TaskManager $n registered after $(( $(date +%s) - begin )) s"
}

kill_taskmanager() {
  local n="${1:-}" pid
  if [ -z "$n" ]; then
    n="$(running_taskmanagers | head -n1)"
    [ -n "$n" ] || die "no TaskManager is running"
  fi
  [[ "$n" =~ ^[0-9]+$ ]] || die "bad TaskManager number '$n'"
  pid="$(live_pid "taskmanager-$n")" || die "TaskManager $n is not running"
  kill -9 "$pid"
  rm -f "$(pid_file "taskmanager-$n")"
  echo "Killed TaskManager $n (pid $pid) with SIGKILL"
}

kill_jobmanager() {
  local pid
  pid="$(live_pid jobmanager)" || die "the JobManager is not running"
  kill -9 "$pid"
  rm -f "$(pid_file jobmanager)"
  echo "Killed the JobManager (pid $pid) with SIGKILL; its jobs are lost (no HA): start the cluster again, then"
  echo "resume the last job from its newest retained checkpoint: java -jar target/freshrec.jar resume --flink-rest $REST"
}

stop() {
  local any=0
  for n in $(running_taskmanagers); do any=1; stop_process "taskmanager-$n"; done
  if live_pid jobmanager >/dev/null; then any=1; stop_process jobmanager; fi
  rm -rf "$DIR/tmp"
  if (( any )); then echo "Stopped."; else echo "The cluster is not running."; fi
}

status() {
  local pid overview
  if ! pid="$(live_pid jobmanager)"; then
    echo "The cluster is not running ($DIR)."
    [ -z "$(running_taskmanagers)" ] || echo "  TaskManagers without a JobManager: $(running_taskmanagers | tr '\n' ' ')(stop them: flink-cluster.sh stop)"
    return 3
  fi
  echo "Flink $FLINK_VERSION session cluster in $DIR"
  echo "  JobManager      pid $pid, REST and web UI $REST"
  for n in $(running_taskmanagers); do
    echo "  TaskManager $n   pid $(live_pid "taskmanager-$n"), queryable-state proxy 127.0.0.1:$((QS_PROXY_PORT + 10 * n))"
  done
  if overview="$(rest_get /overview)"; then
    echo "  registered: $(json_number taskmanagers <<<"$overview") TaskManager(s), $(json_number slots-total <<<"$overview") slots" \
      "($(json_number slots-available <<<"$overview") free); jobs running: $(json_number jobs-running <<<"$overview")"
    local jobs
    jobs="$(rest_get /jobs/overview || true)"
    grep -o '"jid":"[0-9a-f]*","name":"[^"]*","start-time":[0-9]*,"end-time":-\?[0-9]*,"duration":[0-9]*,"state":"[A-Z]*"' <<<"$jobs" \
      | sed 's/"jid":"\([0-9a-f]*\)","name":"\([^"]*\)".*"state":"\([A-Z]*\)"/    job \1 \2 \3/' || true
  else
    echo "  the REST API does not answer (yet): $REST"
  fi
}

logs() {
  local name="${1:-}" lines="${2:-}"
  if [ -n "$name" ]; then
    [ -f "$LOGS/$name.log" ] || die "no log $LOGS/$name.log (logs: $(cd "$LOGS" 2>/dev/null && ls -- *.log 2>/dev/null | sed 's/\.log$//' | tr '\n' ' '))"
    tail -n "${lines:-200}" "$LOGS/$name.log"
    return
  fi
  local found=0
  for file in "$LOGS"/*.log; do
    [ -f "$file" ] || continue
    found=1
    echo "==> $file <=="
    tail -n "${lines:-20}" "$file"
  done
  (( found )) || die "no logs in $LOGS (the cluster never started here)"
}

command="${1:-}"
[ $# -gt 0 ] && shift
EXTRA_SETTINGS=()
case "$command" in
  start)
    while [ $# -gt 0 ]; do
      case "$1" in
        -D) [ $# -ge 2 ] || die "-D needs key=value"; EXTRA_SETTINGS+=(-D "$2"); shift 2 ;;
        -D*) EXTRA_SETTINGS+=(-D "${1#-D}"); shift ;;
        *) die "unknown argument '$1' (start takes -D key=value)" ;;
      esac
    done
    for setting in ${EXTRA_SETTINGS[@]+"${EXTRA_SETTINGS[@]}"}; do
      [ "$setting" = -D ] || [[ "$setting" == ?*=* ]] || die "-D needs key=value, not '$setting'"
    done
    start ;;
  stop) stop ;;
  status) status ;;
  start-taskmanager) start_taskmanager ;;
  kill-taskmanager) kill_taskmanager "${1:-}" ;;
  kill-jobmanager) kill_jobmanager ;;
  logs) logs "${1:-}" "${2:-}" ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
esac
