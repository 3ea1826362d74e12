#!/usr/bin/env bash
# Fuzzes the Jazzer @FuzzTest targets one after another (never in parallel: the machine is shared).
#   bench/fuzz.sh                  every target for 60 s each
#   bench/fuzz.sh 600              every target for 600 s each
#   bench/fuzz.sh 600 query api    only these targets
# Targets: query (wire query parser), reply (upstream reply check/walk/shape), corefile (Corefile
# lexer/parser), api (EndpointSlice/Service/ServiceImport/Pod conversion). A campaign also stops at
# io.nodedns.testing.FuzzBudget.EXECUTIONS (10 million) executions.
#
# How: JAZZER_FUZZ=1 ./mvnw test -Dtest=Class#method (Jazzer's JUnit fuzzing mode; one fuzz test
# per JVM), JAZZER_MAX_DURATION bounds it. A finding (crash, failed assertion, hang) fails the run
# and Jazzer writes the input to src/test/resources/<package>/<Class>Inputs/<method>/crash-<sha1>,
# where every later `mvn test` replays it: fix the bug, rename the file to say what it is, commit it.
# The generated corpus lands in .cifuzz-corpus/ (git-ignored) and seeds the next campaign.
# Logs: $BUILD_DIR (default target-fuzz)/fuzz/<target>.log; a summary line per target is printed at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="${BUILD_DIR:-target-fuzz}" # before lib.sh, whose default is target-bench
# shellcheck source=lib.sh
source "$here/lib.sh"

seconds="${1:-60}"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: bench/fuzz.sh [SECONDS] [query|reply|corefile|api ...]" >&2; exit 2; }
shift $(( $# > 0 ? 1 : 0 ))
targets=("$@")
(( ${#targets[@]} > 0 )) || targets=(query reply corefile api)

test_of() {
  case "$1" in
    query) echo "io.nodedns.wire.QueryParserFuzzTest#query" ;;
    reply) echo "io.nodedns.plugin.forward.UpstreamReplyFuzzTest#reply" ;;
    corefile) echo "io.nodedns.config.CorefileFuzzTest#corefile" ;;
    api) echo "io.nodedns.k8s.ApiObjectFuzzTest#apiObject" ;;
    *) echo "bench/fuzz.sh: unknown target '$1' (query, reply, corefile, api)" >&2; return 1 ;;
  esac
}

JAVA="$(find_java)"
export JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$JAVA")")")}"
logs="$bench_root/$BUILD_DIR/fuzz"
mkdir -p "$logs"
summary=()
failed=0
for t in "${targets[@]}"; do
  spec="$(test_of "$t")"
  log="$logs/$t.log"
  echo "fuzz: $t ($spec) for ${seconds}s, log $log"
  start=$(date +%s)
  marker="$logs/.$t.start"; : >"$marker"
  status=ok
  (cd "$bench_root" && JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${seconds}s" ./mvnw -B -q -Dbuild.dir="$BUILD_DIR" \
      -Dtest="$spec" -Dsurefire.failIfNoSpecifiedTests=false test) >"$log" 2>&1 || status=FINDING
  elapsed=$(( $(date +%s) - start ))
  # libFuzzer's last status line: "#N DONE cov: ... exec/s: R ..." (or the last "#N ..." before a crash)
  last="$(grep -E '^#[0-9]+' "$log" | tail -n1 || true)"
  execs="$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")"
  rate="$(grep -oE 'exec/s: [0-9]+' <<<"$last" | awk '{print $2}')"
  [[ "$status" == ok ]] || failed=1
  findings="$(find "$bench_root/src/test/resources" -name 'crash-*' -newer "$marker" | wc -l)"
  summary+=("$(printf '%-9s executions=%-10s exec/s=%-7s wall=%ss result=%s new-crash-files=%s' \
    "$t" "${execs:-?}" "${rate:-?}" "$elapsed" "$status" "$findings")")
done
printf '%s\n' "${summary[@]}"
exit "$failed"
