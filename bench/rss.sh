#!/usr/bin/env bash
# RSS of nodedns as the image runs it (jlink runtime + deploy/image/nodedns JVM flags) under a fixed
# load, loopback only: nodedns with the node-local-dns ConfigMap's Corefile (rendered for 127.0.0.1,
# every block forwarding to bench/reflector.c, which answers every question with an A record, so
# the caches fill: whoami's empty NOERROR is not cached, RFC 2308 5) and the LoadGenerator at RATE
# qps for SECS seconds. Prints VmRSS every second, VmHWM (peak) and the cache entries at the end.
#   bench/rss.sh RUNTIME_DIR [RATE=20000] [SECS=20] [WORKLOAD=mix]
# RUNTIME_DIR is a build-runtime.sh output, e.g. target/jlink (./mvnw -Pjlink -DskipTests package).
# NMT=1 runs the server with Native Memory Tracking and prints its summary after start and at the
# end (jcmd of the JDK that find_java picks: the memory budget in docs/operations.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
rt="$(cd "$1" && pwd)" rate="${2:-20000}" secs="${3:-20}" workload="${4:-mix}"
port="${BASE_PORT:-15353}" up=$((port + 1))
JAVA="$(find_java)"
bench_build "$JAVA"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
command -v gcc >/dev/null || { echo "rss: gcc missing: it builds bench/reflector.c, the upstream" >&2; exit 1; }
gcc -O2 -pthread -o "$work/reflector" "$here/reflector.c"
nodelocaldns_corefile "$port" "127.0.0.1:$up" > "$work/Corefile"
# UDP and TCP: three of the four blocks forward with force_tcp
"$work/reflector" -p "$up" -m -t > "$work/upstream.log" 2>&1 & pids+=($!)
nmt() { [[ "${NMT:-0}" == 1 ]] && "$(dirname "$JAVA")/jcmd" "$server" VM.native_memory summary scale=KB | sed "s/^/rss: nmt $1: /" || true; }
NODEDNS_JAVA_OPTS="${NODEDNS_JAVA_OPTS:-} $([[ "${NMT:-0}" == 1 ]] && echo -XX:NativeMemoryTracking=summary)" \
  "$rt/bin/nodedns" -conf "$work/Corefile" > "$work/server.log" 2>&1 & pids+=($!)
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((port + 3))/ready" >/dev/null 2>&1 && break; sleep 0.2; done
echo "rss: server pid $server, $(grep VmRSS /proc/$server/status) after start"
sleep 3; nmt idle
( while kill -0 "$server" 2>/dev/null; do echo "rss: $(date +%T) $(grep VmRSS /proc/$server/status)"; sleep 1; done ) & pids+=($!)
BUILD_DIR="${BUILD_DIR:-target-bench}" "$here/loadgen.sh" --server "127.0.0.1:$port" --rate "$rate" --duration "${secs}s" \
  --warmup 2s --workload "$workload" --server-pid "$server" --label nodedns-rss
echo "rss: end $(grep -E 'VmRSS|VmHWM' /proc/$server/status | tr -s ' \n' ' ')"
curl -s "http://127.0.0.1:$((port + 4))/metrics" | grep -E '^coredns_cache_entries' || true
nmt end
