#!/usr/bin/env bash
# Runs io.nodedns.bench.LoadGenerator (building first if needed); every argument goes to it, e.g.
#   bench/loadgen.sh --server 127.0.0.1:5300 --rate 20000 --duration 10s --workload hit --hlog hit.hlog
# LOADGEN_JAVA_OPTS adds JVM options (default: a small fixed heap, ParallelGC).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
JAVA="$(find_java)"
bench_build "$JAVA"
# shellcheck disable=SC2206
opts=(${LOADGEN_JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseParallelGC -XX:+AlwaysPreTouch})
exec "$JAVA" "${bench_jvm_flags[@]}" "${opts[@]}" \
  -cp "$bench_root/$BUILD_DIR/classes:$bench_root/$BUILD_DIR/lib/*" io.nodedns.bench.LoadGenerator "$@"
