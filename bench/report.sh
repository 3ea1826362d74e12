#!/usr/bin/env bash
# Turns one peers.sh results directory into a report (benchmarks.md) and a latency plot (PNG).
#   bench/report.sh bench/results/STAMP [OUT.md] [OUT.png]
# By default both go into the results directory; DOCS=1 writes docs/benchmarks.md and
# docs/benchmarks-latency.png (tracked files) instead. gnuplot is optional: without it (or if it
# fails) there is no plot, the report has no image, and the last line says which.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
res="${1:?usage: report.sh RESULTS_DIR [OUT.md] [OUT.png]}"
if [[ "${DOCS:-0}" == 1 ]]; then
  md="${2:-$root/docs/benchmarks.md}"
  png="${3:-$root/docs/benchmarks-latency.png}"
else
  md="${2:-$res/benchmarks.md}"
  png="${3:-$res/benchmarks-latency.png}"
fi
csv="$res/results.csv"
[[ -f "$csv" ]] || { echo "report: no $csv" >&2; exit 1; }
m() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" "$res/machine.txt" | head -1; } # value of key $1
smoke=0; [[ "$(m quick)" == 1 ]] && smoke=1
rel() { realpath --relative-to="$(dirname "$md")" "$1"; }

# peers.sh repeats each saturation and latency run (RUNS, column 16): the tables show the median run
# of each server/workload/tool/mode, by QPS, or by p99 for open-loop latency. Older results have
# one run and no column 16.
sel="$(mktemp)"; trap 'rm -f "$sel"' EXIT
awk -F, 'NR == 1 { print; next }
  { k = $1 FS $2 FS $3 FS $4; c = ++n[k]; row[k, c] = $0; v[k, c] = ($3 == "loadgen" && $4 == "open") ? $13 + 0 : $6 + 0
    if (c == 1) order[++m] = k }
  END { for (i = 1; i <= m; i++) { k = order[i]; c = n[k]
      for (a = 1; a <= c; a++) idx[a] = a
      for (a = 2; a <= c; a++) { t = idx[a]; for (b = a - 1; b >= 1 && v[k, idx[b]] > v[k, t]; b--) idx[b + 1] = idx[b]; idx[b + 1] = t }
      print row[k, idx[int((c + 1) / 2)]] } }' "$csv" >"$sel"
runs_table() { # every run's figure beside the median the tables use
  awk -F, 'NR == 1 { next }
    ($3 == "dnsperf") || ($3 == "loadgen" && $4 == "open") {
      k = $1 FS $2; if (!(k in seen)) { seen[k] = 1; order[++m] = k }
      if ($3 == "dnsperf") { q[k] = q[k] (q[k] == "" ? "" : " / ") sprintf("%.1fk", $6 / 1000); c[k] = c[k] (c[k] == "" ? "" : " / ") $10 }
      else { p[k] = p[k] (p[k] == "" ? "" : " / ") sprintf("%.0f", $13)
        o[k] = o[k] (o[k] == "" ? "" : " / ") ($17 == "" ? "-" : sprintf("%.2f", $17)) } }
    END { print "| server | workload | dnsperf QPS | CPU us/query | p99 us @rate | % slower than 100 us @rate |"
      print "|---|---|---|---|---|---|"
      for (i = 1; i <= m; i++) { k = order[i]; split(k, a, FS); printf "| %s | %s | %s | %s | %s | %s |\n", a[1], a[2], q[k], c[k], p[k], o[k] } }' "$csv"
}

# Percentile curves (HdrHistogram distribution, microseconds) of the open-loop runs.
plot_lines() { # plot_lines WORKLOAD: gnuplot "plot" arguments for every server that has a curve (median run)
  local w="$1" sep="" f s run
  while IFS=, read -r s run; do
    f="$res/raw/$s-$w-open${run:+-$run}.pct"
    [[ -e "$f" ]] || continue
    awk '/^ *[0-9]/ && $4 != "Infinity" {print $4, $1}' "$f" >"${f%.pct}.dat"
    printf '%s"%s" using 1:2 with lines lw 2 title "%s"' "$sep" "${f%.pct}.dat" "$s"
    sep=", "
  done < <(awk -F, -v w="$w" '$2 == w && $3 == "loadgen" && $4 == "open" {print $1 "," $16}' "$sel")
}
hit_plot="$(plot_lines hit)"
miss_plot="$(plot_lines miss)"
plotted=0 no_plot=""
if ! command -v gnuplot >/dev/null; then
  no_plot="gnuplot is not installed"
elif [[ -z "$hit_plot$miss_plot" ]]; then
  no_plot="no open-loop latency run to plot"
else
  label="$( ((smoke)) && echo 'SMOKE RUN - not a measurement' || m stamp)"
  {
    echo "set terminal pngcairo size 1100,$([[ -n $miss_plot ]] && echo 900 || echo 480) font 'Sans,10'"
    echo "set output '$png.tmp'"
    echo "set logscale xy; set grid; set key top left"
    echo "set xtics ('50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000)"
    echo "set xlabel 'percentile'; set ylabel 'latency (us, from intended send time)'"
    [[ -n $miss_plot ]] && echo "set multiplot layout 2,1"
    [[ -n $hit_plot ]] && echo "set title 'cache hits at $(m hit_rate) qps, open loop ($label)'" && echo "plot $hit_plot"
    [[ -n $miss_plot ]] && echo "set title 'misses at $(m miss_rate) qps, open loop ($label)'" && echo "plot $miss_plot"
    [[ -n $miss_plot ]] && echo "unset multiplot"
    true
  } >"$res/plot.gp"
  # written beside and renamed only on success: a failed run must not leave an older plot standing
  # in for this one
  if gnuplot "$res/plot.gp" 2>"$res/plot.err" && [[ -s "$png.tmp" ]]; then
    mv "$png.tmp" "$png"
    plotted=1
  else
    rm -f "$png.tmp"
    no_plot="gnuplot failed (see $res/plot.err)"
  fi
fi

table() { # the peer comparison table plus our harness's figures, and ratios against dnsdist
  awk -F, '
    NR == 1 { next }
    { k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4; qps[k] = $6; cpu[k] = $10; ans[k] = $7; to[k] = $8
      lat[k] = ($11 == "" ? "-" : sprintf("%.0f/%.0f/%.0f us", $11, $12, $13))
      if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    function q(v) { return (v == "" || v == 0) ? "-" : (v >= 10000 ? sprintf("%.0fk", v / 1000) : sprintf("%.1fk", v / 1000)) }
    function c(v) { return (v == "" || v == "-") ? "-" : sprintf("%.2f", v) }
    function g(s, w, t, mo, a) { a = (s SUBSEP w SUBSEP t SUBSEP mo); return a }
    function r(a, b) { return (a == "" || b == "" || a == "-" || b == "-" || b == 0) ? "-" : sprintf("%.2f", a / b) }
    END {
      print "| server | hit QPS | hit CPU us/query | hit p50/p90/p99 @rate | miss QPS | miss CPU us/query | miss p50/p90/p99 @rate | mix QPS | mix CPU us/query | harness closed-loop hit / miss QPS |"
      print "|---|---|---|---|---|---|---|---|---|---|"
      for (i = 1; i <= n; i++) { s = order[i]
        hd = g(s, "hit", "dnsperf", "closed"); md = g(s, "miss", "dnsperf", "closed"); xd = g(s, "mix", "dnsperf", "closed")
        ho = g(s, "hit", "loadgen", "open"); mo = g(s, "miss", "loadgen", "open")
        hc = g(s, "hit", "loadgen", "closed"); mc = g(s, "miss", "loadgen", "closed")
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |\n", s, q(qps[hd]), c(cpu[hd]),
          (ho in lat ? lat[ho] : "-"), q(qps[md]), c(cpu[md]), (mo in lat ? lat[mo] : "-"), q(qps[xd]), c(cpu[xd]),
          q(qps[hc]), q(qps[mc]) }
      if (!("dnsdist" in seen)) { print "\n(no dnsdist run: no ratios)"; exit }
      print "\nRatios against dnsdist in the same run (CPU: lower is better; QPS: higher is better):\n"
      print "| server | hit CPU/query | miss QPS | miss CPU/query | mix QPS | hit p99 @rate |"
      print "|---|---|---|---|---|---|"
      dh = g("dnsdist", "hit", "dnsperf", "closed"); dm = g("dnsdist", "miss", "dnsperf", "closed")
      dx = g("dnsdist", "mix", "dnsperf", "closed"); dho = g("dnsdist", "hit", "loadgen", "open")
      for (i = 1; i <= n; i++) { s = order[i]
        split((g(s, "hit", "loadgen", "open") in lat) ? lat[g(s, "hit", "loadgen", "open")] : "", a, "/")
        split((dho in lat) ? lat[dho] : "", b, "/")
        printf "| %s | %s | %s | %s | %s | %s |\n", s, r(cpu[g(s, "hit", "dnsperf", "closed")], cpu[dh]),
          r(qps[g(s, "miss", "dnsperf", "closed")], qps[dm]), r(cpu[g(s, "miss", "dnsperf", "closed")], cpu[dm]),
          r(qps[g(s, "mix", "dnsperf", "closed")], qps[dx]), r(a[3] + 0 ? a[3] : "", b[3] + 0 ? b[3] : "") } }' "$sel"
}

problems="$(awk -F, 'NR > 1 { r = ($16 == "" ? "" : " run " $16) }
  NR > 1 && ($8 + 0 > 0) {printf "- %s %s %s %s%s: %s of %s queries unanswered\n", $1, $2, $3, $4, r, $8, $7 + $8}
  NR > 1 && $9 != "" && $9 !~ /^NOERROR:[0-9]+$/ {printf "- %s %s %s %s%s: response codes %s\n", $1, $2, $3, $4, r, $9}' "$csv")"

# bench/footprint.sh's section of docs/benchmarks.md is written by hand from its summary (it never
# writes docs/): keep it when rewriting that file.
footprint=""
[[ "$md" -ef "$root/docs/benchmarks.md" ]] && footprint="$(awk '/^## Footprint and cold start/ {on = 1} on' "$md" 2>/dev/null || true)"

{
  echo "# nodedns benchmarks"
  echo
  if ((smoke)); then
    echo "> **SMOKE RUN (\`QUICK=1 bench/peers.sh\`), not results.** Durations of a few seconds, on a machine"
    echo "> busy with other work. These numbers only show that every piece of the harness runs end to end;"
    echo "> do not quote them. The real figures come from a full \`bench/peers.sh\` on a quiet machine."
    echo
  fi
  cat <<'EOF'
## Method

`bench/peers.sh` (see `bench/README.md`) works as follows: every server runs,
one after another, as a caching forwarder with **one worker** on its own loopback port, in front of
the same upstream: knot, authoritative for `bench.test.` (1000 names `h0..h999` and a wildcard
`*.miss.bench.test`), one UDP worker, with a 4 MiB socket receive buffer so that the upstream is not
where queries are lost. The server under test is pinned to CPU 0; dnsperf, our load generator and
knot (every thread: knotd pins its UDP worker itself, so the script re-pins it) to CPU 1. Workload by
workload, every server is started afresh and gets a warm-up of mixed load and then one of that
workload (for nodedns: the JIT compiles the path about to be measured); then the measurements run in
rounds, each server once per round, so a spell of a slow or stalling VM (its speed drifts over
minutes) falls on all servers alike. Servers not being measured sit idle on the same CPU.

- dnsdist: one `setLocal` listener, a packet cache; unbound: `num-threads: 1`, `forward-zone` to knot,
  iterator only; nodedns: `multisocket 1`, `cache`, `forward . knot`; the C reflector
  (`bench/reflector.c`) answers every query itself and gives the kernel's per-query floor. All get
  the 4 MiB UDP socket buffers nodedns asks for, so a scheduling hiccup drops alike everywhere.
- Workloads: HIT = the 1000 warm names; MISS = unique `<hex>.miss.bench.test` names (never a repeat
  within a run); MIX = 95 % hit, 5 % miss.
- **Runs**: each saturation and latency measurement is repeated (RUNS rounds, 3 by default; every
  run with miss names of its own) and the tables show the median run: one 10 s run's p99 at a fixed
  rate is set by how many of this VM's millisecond stalls fall into it (they hit 0.7-0.9 % of
  queries for every server, the C reflector included), so a single run ranked servers by luck.
- **QPS**: `dnsperf -c 10 -q 200 -T 1 -l SECS` (saturation). **CPU us/query**: utime + stime of the
  server process from `/proc/PID/stat` over that run, divided by the queries completed: the figure
  of merit for hits, where the client saturates first and QPS ties every decent server.
- **Latency**: `io.nodedns.bench.LoadGenerator` in open loop at a fixed rate, 1000 source ports,
  each reply timed from the query's *intended* send time (no coordinated omission); HdrHistogram
  logs in the results directory. Its closed-loop maximum is reported too. The generator warms up
  with the same load and logging first, so its measured run loads and compiles no new code (before
  that fix, in runs 1-3, its own start-up stalled the first second's sends by up to 60 ms and set
  every server's p99). Its own send lag and the service time from the actual send are in
  `raw/loadgen.log`; the server JVM's GC and safepoint pauses, compiles and deoptimisations in
  `raw/nodedns-jvm-WORKLOAD.log`.
- Only ratios between servers of one run mean something; absolute figures move between machines.
EOF
  echo
  echo "## Machine and run"
  echo
  echo '```'
  cat "$res/machine.txt"
  echo '```'
  echo
  echo "Raw results: \`$(realpath --relative-to="$root" "$res")/results.csv\` (one line per run; dnsperf output,"
  echo "loadgen output and HdrHistogram logs in \`raw/\`)."
  base="$(m nodedns-base)"
  if [[ -n "$base" ]]; then
    echo
    echo "\`nodedns-base\` is nodedns built from an earlier commit ($base), measured in the same run and the"
    echo "same way as the current code: only figures of one run compare."
  fi
  echo
  echo "## Results$( ((smoke)) && echo ' (smoke run: not meaningful)')"
  echo
  table
  echo
  if (( $(awk -F, 'NR > 1 && $16 + 0 > 1' "$csv" | wc -l) > 0 )); then
    echo "Every run (the tables above show the median one of each):"
    echo
    runs_table
    echo
  fi
  if [[ -n "$problems" ]]; then echo "Unanswered queries and errors:"; echo; echo "$problems"; echo; fi
  if ((plotted)); then
    echo "## Latency percentiles"
    echo
    echo "![latency percentiles]($(rel "$png"))"
    echo
  fi
  echo "Targets and all runs side by side: [benchmarks-targets.md](benchmarks-targets.md); service"
  echo "discovery at scale (kubernetes/multicluster), and under EndpointSlice churn (watch-side CPU, p99 with and without 20 updates/s at 1k and 10k Services): [benchmarks-discovery.md](benchmarks-discovery.md)."
  if [[ -n "$footprint" ]]; then echo; echo "$footprint"; fi
} >"$md"
if ((plotted)); then
  echo "report: wrote $md and $png" >&2
else
  echo "report: wrote $md; no latency plot: $no_plot" >&2
fi
