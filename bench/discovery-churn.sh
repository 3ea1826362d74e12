#!/usr/bin/env bash
# Issue 19 item 2 figures: service discovery under EndpointSlice churn (a rolling deploy). For each
# case (kubernetes 1k and 10k Services, multicluster 10k ServiceImports x 3 clusters) one JVM runs
# the stand-in API server, nodedns and an open-loop load generator (DiscoveryChurnTest, a slow-tagged
# test); each prints a no-churn phase and a churn phase measured in the same run: watch-side CPU
# (per-thread CPU of nodedns-k8s-* and OkHttp* threads), process CPU, answer latency p50/p99.
# Knobs: CASES ("kubernetes:1000 kubernetes:10000 multicluster:10000"), RATE (5000 qps),
# RUN_SECONDS (20 per phase), CHURN (20 updates/s). Prints uptime before each case: the figures
# are only comparable within one case's output. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-target-bench}"
for c in ${CASES:-kubernetes:1000 kubernetes:10000 multicluster:10000}; do
  mode="${c%%:*}" n="${c##*:}"
  echo "== $mode $n; uptime: $(uptime)"
  ./mvnw -B -q -o -Dbuild.dir="$BUILD_DIR" -Dsurefire.excludedGroups= -Dgroups=slow \
    -Dtest=DiscoveryChurnTest -Dsurefire.failIfNoSpecifiedTests=false -Dtest.heap=2g \
    -Dscale.mode="$mode" -Dscale.services="$n" -Dscale.rate="${RATE:-5000}" -Dscale.seconds="${RUN_SECONDS:-20}" \
    -Dscale.churn="${CHURN:-20}" test >/dev/null
  grep -h -A5 "discovery churn" "$BUILD_DIR"/surefire-reports/*DiscoveryChurnTest-output.txt
done
