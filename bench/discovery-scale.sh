#!/usr/bin/env bash
# Issue 6 scale figures: 10k ServiceImports x 3 clusters in the stand-in API server; prints sync
# time, heap and answer latency at a fixed rate. Knobs: SERVICES (10000), RATE (5000 qps), RUN_SECONDS (20).
# Run on a quiet machine; loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -Dbuild.dir="${BUILD_DIR:-target-bench}" -Dsurefire.excludedGroups= -Dgroups=slow \
  -Dtest=DiscoveryScaleTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest.heap=2g -Dscale.services="${SERVICES:-10000}" -Dscale.rate="${RATE:-5000}" -Dscale.seconds="${RUN_SECONDS:-20}" \
  test
grep -h "discovery scale" "${BUILD_DIR:-target-bench}"/surefire-reports/*DiscoveryScaleTest-output.txt
