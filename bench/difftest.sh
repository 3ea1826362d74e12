#!/usr/bin/env bash
# The differential test (issue 18): knot serves test zones on loopback (plain, wildcard, big
# RRsets, one signed by knot itself), nodedns (cache + forward) and unbound both forward to it,
# and every case in src/test/java/io/nodedns/difftest/DiffCases.java is asked of both. nodedns's
# replies are judged against the RFC expectation written into each case; unbound's result is
# printed beside it. Loopback only; needs knotd and unbound (Debian packages knot, unbound).
#   bench/difftest.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
for tool in knotd unbound; do
  command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool ]] || {
    echo "difftest: $tool is not installed (apt-get install knot unbound)" >&2; exit 2; }
done
java="$(find_java)"
cd "$bench_root"
dir="${BUILD_DIR:-target-difftest}" # never target/: other builds and the ./nodedns launcher own it
JAVA_HOME="$(dirname "$(dirname "$java")")" ./mvnw -B -q -Dbuild.dir="$dir" test -Dtest=DifferentialTest \
  -Dsurefire.excludedGroups= -Dsurefire.failIfNoSpecifiedTests=false "$@" || status=$?
report="$dir/surefire-reports/io.nodedns.difftest.DifferentialTest-output.txt"
[[ -f "$report" ]] && grep -E '^(difftest:|[a-z0-9-]+ +nodedns)' "$report"
exit "${status:-0}"
