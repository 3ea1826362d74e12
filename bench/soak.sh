#!/usr/bin/env bash
# Bounded soak (issue 9): nodedns with cache + forward to three C reflectors on loopback, a fixed
# open-loop rate of mixed hits and misses, and one upstream killed on a schedule. Every INTERVAL it
# records sent/failed queries and p99, and the server's heap after a GC, RSS, file descriptors and
# threads; at the end it judges growth after warm-up and failures outside fault windows, and plots.
#
# Knobs (env): DURATION (600 s), RATE (2000 qps), INTERVAL (10 s), WARMUP (60 s), FAULT_EVERY (120 s),
# FAULT_FOR (20 s), OUT (bench/results/soak-DATE), NODEDNS_JAVA_OPTS (-XX:+UseSerialGC -Xmx256m).
# Loopback only. Exit status 1 if a check fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
DURATION="${DURATION:-600}"; RATE="${RATE:-2000}"; INTERVAL="${INTERVAL:-10}"; WARMUP="${WARMUP:-60}"
FAULT_EVERY="${FAULT_EVERY:-120}"; FAULT_FOR="${FAULT_FOR:-20}"
OUT="${OUT:-$here/results/soak-$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
JAVA="$(find_java)"; JDK_BIN="$(dirname "$JAVA")"
bench_build "$JAVA"
gcc -O2 -o "$OUT/reflector" "$here/reflector.c"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
free_port() { # a port free for both UDP and TCP on 127.0.0.1
  python3 -c '
import socket
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0)); p = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        t.close(); u.close()'
}

ports=(); refl=()
for i in 0 1 2; do
  ports[i]="$(free_port)"
  "$OUT/reflector" -a 127.0.0.1 -p "${ports[i]}" & refl[i]=$!; pids+=("${refl[i]}")
done
dns_port="$(free_port)"; metrics_port="$(free_port)"
cat >"$OUT/Corefile" <<COREFILE
.:$dns_port {
    bind 127.0.0.1
    prometheus 127.0.0.1:$metrics_port
    cache
    forward . 127.0.0.1:${ports[0]} 127.0.0.1:${ports[1]} 127.0.0.1:${ports[2]} {
        health_check 0.5s
    }
}
COREFILE
# shellcheck disable=SC2206
jopts=(${NODEDNS_JAVA_OPTS:--XX:+UseSerialGC -Xmx256m})
"$JAVA" "${bench_jvm_flags[@]}" "${jopts[@]}" -jar "$(bench_jar)" -conf "$OUT/Corefile" >"$OUT/server.log" 2>&1 &
server=$!; pids+=("$server")
for _ in $(seq 1 100); do
  if "$here/loadgen.sh" --server "127.0.0.1:$dns_port" --outstanding 1 --duration 200ms --workload hit >/dev/null 2>&1; then break; fi
  sleep 0.2
done
if ! kill -0 "$server" 2>/dev/null; then echo "soak: the server did not start:"; cat "$OUT/server.log"; exit 1; fi

echo "t_s,sent,failed,p99_us,heap_used_kb,rss_kb,fds,threads,fault" >"$OUT/soak.csv"
start=$(date +%s); fault_on=0; fault_until=0
echo "soak: ${DURATION}s at ${RATE} qps, upstream 2 killed for ${FAULT_FOR}s every ${FAULT_EVERY}s; results in $OUT"
while :; do
  now=$(( $(date +%s) - start )); (( now >= DURATION )) && break
  # fault schedule: kill reflector 2 at 30 s into each FAULT_EVERY period, revive FAULT_FOR later
  if (( fault_on == 0 && now % FAULT_EVERY >= 30 && now % FAULT_EVERY < 30 + FAULT_FOR )); then
    kill "${refl[1]}" 2>/dev/null || true; fault_on=1; fault_until=$(( now - now % FAULT_EVERY + 30 + FAULT_FOR ))
    echo "  t=${now}s: upstream 2 killed"
  elif (( fault_on == 1 && now >= fault_until )); then
    "$OUT/reflector" -a 127.0.0.1 -p "${ports[1]}" & refl[1]=$!; pids+=("${refl[1]}"); fault_on=0
    echo "  t=${now}s: upstream 2 back"
  fi
  in_fault=$fault_on
  line="$("$here/loadgen.sh" --server "127.0.0.1:$dns_port" --rate "$RATE" --duration "${INTERVAL}s" --warmup 0 \
    --workload mix --miss-percent 10 --timeout 2s --label soak 2>/dev/null | grep '^RESULT' || true)"
  (( fault_on == 1 )) && in_fault=1
  get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  sent="$(get sent)"; answered="$(get noerror)"; p99="$(get p99_us)"
  failed=$(( ${sent:-0} - ${answered:-0} ))
  "$JDK_BIN/jcmd" "$server" GC.run >/dev/null 2>&1 || true
  heap="$("$JDK_BIN/jcmd" "$server" GC.heap_info 2>/dev/null | awk '/used/ {for (i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); sub("K","",v); s+=v}} END {print s+0}')"
  if ! kill -0 "$server" 2>/dev/null; then echo "soak: FAIL: the server died at t=${now}s"; exit 1; fi
  rss="$(awk '/VmRSS/ {print $2}' "/proc/$server/status")"
  threads="$(awk '/Threads/ {print $2}' "/proc/$server/status")"
  fds="$(ls "/proc/$server/fd" | wc -l)"
  t=$(( $(date +%s) - start ))
  echo "$t,${sent:-0},$failed,${p99:-0},$heap,$rss,$fds,$threads,$in_fault" >>"$OUT/soak.csv"
  echo "  t=${t}s sent=${sent:-0} failed=$failed p99=${p99:-?}us heap=${heap}K rss=${rss}K fds=$fds threads=$threads fault=$in_fault"
done

# verdicts
status=0
awk -F, -v warm="$WARMUP" 'NR > 1 {
    if ($9 == 0) { outside_failed += $3; outside_sent += $2 } else { in_failed += $3; in_sent += $2 }
    if ($1 >= warm) { n++; if (n == 1) { h0 = $5; r0 = $6; f0 = $7; t0 = $8 }; h = $5; r = $6; f = $7; th = $8
      if ($5 > hmax) hmax = $5 }
  } END {
    printf "failed outside fault windows: %d of %d; inside: %d of %d\n", outside_failed, outside_sent, in_failed, in_sent
    printf "after warm-up (%d samples): heap %d -> %d KiB (max %d), RSS %d -> %d KiB, fds %d -> %d, threads %d -> %d\n", n, h0, h, hmax, r0, r, f0, f, t0, th
    bad = 0
    if (outside_failed > 0) { print "FAIL: queries failed outside fault windows"; bad = 1 }
    if (n >= 2 && h > h0 * 1.2 + 4096) { print "FAIL: heap grew after warm-up"; bad = 1 }
    if (n >= 2 && (f > f0 + 2 || th > t0 + 2)) { print "FAIL: file descriptors or threads grew"; bad = 1 }
    exit bad
  }' "$OUT/soak.csv" | tee "$OUT/verdict.txt" || status=1

if command -v gnuplot >/dev/null; then
  gnuplot <<GP || echo "soak: gnuplot failed" >&2
set terminal png size 1000,700
set output "$OUT/soak.png"
set datafile separator ","
set multiplot layout 3,1 title "nodedns soak: ${RATE} qps, upstream 2 killed ${FAULT_FOR}s every ${FAULT_EVERY}s"
set xlabel "t (s)"
set ylabel "p99 (us)"; plot "$OUT/soak.csv" using 1:4 with linespoints title "p99", "" using 1:(\$9*0) with points title ""
set ylabel "KiB"; plot "$OUT/soak.csv" using 1:5 with lines title "heap after GC", "" using 1:6 with lines title "RSS"
set ylabel "count"; plot "$OUT/soak.csv" using 1:7 with lines title "fds", "" using 1:8 with lines title "threads", "" using 1:3 with impulses title "failed"
unset multiplot
GP
fi
echo "soak: $OUT/soak.csv $OUT/verdict.txt ${OUT}/soak.png"
exit $status
