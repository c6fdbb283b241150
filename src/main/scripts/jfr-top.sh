#!/usr/bin/env bash
# Where a Java Flight Recorder profile's CPU samples are: share of jdk.ExecutionSample events per thread (Flink
# subtask suffixes such as " (1/2)#0" removed) and the top frames. Reads the recording with the JDK's
# jdk.jfr.consumer API (io.freshrec.bench.JfrTop), so no `jfr print` text is parsed.
#
#   src/main/scripts/jfr-top.sh run.jfr [TOP [EVENT]]   TOP frames to list (default 20); EVENT
#       jdk.ExecutionSample (default: threads in Java code) or jdk.NativeMethodSample (in native code: RocksDB)
#
# Record one first (docs/benchmark.md, "Profiling"):
#   JAVA_TOOL_OPTIONS=-XX:StartFlightRecording=delay=20s,duration=35s,filename=run.jfr,settings=profile \
#     java -jar target/freshrec.jar run --rate 0 --duration 60s
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
JAR="${FRESHREC_JAR:-$ROOT/target/freshrec.jar}"
if [ $# -lt 1 ]; then
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
if [ ! -f "$JAR" ]; then
    echo "no $JAR: build it first (mvn -B -q -DskipTests package)" >&2
    exit 1
fi
# Unset so that a JAVA_TOOL_OPTIONS left over from recording does not profile the summariser itself.
exec env -u JAVA_TOOL_OPTIONS java -cp "$JAR" io.freshrec.bench.JfrTop "$@"
