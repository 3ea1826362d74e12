#!/usr/bin/env bash
# Per-node footprint and cold start of nodedns beside CoreDNS 1.10.1 (the engine of node-local-dns),
# both on the node-local-dns Corefile, each pinned to one CPU, loopback only. Prints the figures of
# issue 17's table with the ratio nodedns/CoreDNS; method in docs/benchmarks.md "Footprint and cold start".
#   bench/footprint.sh COREDNS_BINARY            full run (13 minutes on a busy 2-core VM)
#   QUICK=1 bench/footprint.sh COREDNS_BINARY    smoke run (about 2 minutes): the plumbing, not a measurement
# COREDNS (env) may name the binary instead. nodedns runs as the image runs it, from IMAGE (default
# target/jlink, built by ./mvnw -B -q -Pjlink -DskipTests package), and as ./nodedns (target/'s jar).
# Knobs (env): PARTS (full cold exec), ROUNDS, EXECS, SAT_SECS, IDLE_SECS, LG_WARMUP, LG_OUTSTANDING, COLD_RATE, COLD_SECS,
# BASE_PORT, SERVER_CPU, CLIENT_CPU, IMAGE, OUT, BUILD_DIR. Writes OUT (bench/results/STAMP-footprint),
# never docs/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

QUICK="${QUICK:-0}"
if [[ "$QUICK" == 1 ]]; then
  d_rounds=1 d_execs=1 d_sat=2 d_idle=2 d_lgwarm=500ms d_cold=2
else
  d_rounds=3 d_execs=3 d_sat=10 d_idle=5 d_lgwarm=2s d_cold=5
fi
ROUNDS="${ROUNDS:-$d_rounds}"      # every measurement once per round, servers alternating
PARTS="${PARTS:-full cold exec}"   # which measurements (see the functions of those names below)
EXECS="${EXECS:-$d_execs}"         # extra starts per server and round that only time exec to first answer
SAT_SECS="${SAT_SECS:-$d_sat}"     # closed-loop saturation runs (hits, then misses)
IDLE_SECS="${IDLE_SECS:-$d_idle}"  # after the first answer, before the idle RSS is read
LG_WARMUP="${LG_WARMUP:-$d_lgwarm}" LG_OUTSTANDING="${LG_OUTSTANDING:-200}"
COLD_RATE="${COLD_RATE:-5000}" COLD_SECS="${COLD_SECS:-$d_cold}"
BASE_PORT="${BASE_PORT:-25400}" SERVER_CPU="${SERVER_CPU:-0}" CLIENT_CPU="${CLIENT_CPU:-1}"
image_given="${IMAGE:+1}" # another tree (e.g. a copy of an older build, for before/after in one run) is taken as is
IMAGE="${IMAGE:-$bench_root/target/jlink}"
COREDNS="${1:-${COREDNS:-}}"
stamp="$(date +%Y%m%d-%H%M%S)"
OUT="${OUT:-$bench_root/bench/results/$stamp-footprint$(if [[ "$QUICK" == 1 ]]; then echo -smoke; fi)}"
PORT=$BASE_PORT UP_PORT=$((BASE_PORT + 1)) # health, ready, prometheus: BASE_PORT+2..4 (nodelocaldns_corefile)

log() { printf '%s footprint: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }

# The tables from OUT/results.csv (round,server,figure,value): per figure the median over all
# rounds (min-max beside it) and the ratio nodedns/CoreDNS of the medians, with the range of the
# per-round ratios (each round's median of each server).
summary() { # summary OUT
  local res="$1"
  awk -F, -v machine="$(tr '\n' ' ' <"$res/machine.txt")" '
    function med(list,   a, n, i, j, t) { n = split(list, a, " ")
      for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      lo = a[1]; hi = a[n]; return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    function capped(s, f) { return f == "cold_p99_ms" && med(all[s, f]) >= 5000 } # the 5 s timeout: p99 unknown
    function cell(s, f, fmt,   m) { if (!((s, f) in all)) return "-"; m = med(all[s, f])
      if (capped(s, f)) return ">= 5000 (over 1 % unanswered)"
      return sprintf(fmt, m) (lo == hi ? "" : sprintf(" (" fmt "-" fmt ")", lo, hi)) }
    function ratio(n, f, fmt,   k, r, rs, m) { if (!((n, f) in all) || !(("coredns", f) in all)) return "-"
      if (capped(n, f) || capped("coredns", f)) return "-"
      m = med(all["coredns", f]); if (m == 0) return "-"; r = med(all[n, f]) / m
      for (k = 1; k <= rounds; k++) if (((k, n, f) in per) && ((k, "coredns", f) in per)) {
        m = med(per[k, "coredns", f]); if (m > 0) rs = rs " " med(per[k, n, f]) / m }
      med(rs)
      return sprintf("%.2fx", r) (rs == "" || sprintf("%.2f", lo) == sprintf("%.2f", hi) ? "" : sprintf(" (%.2f-%.2f)", lo, hi)) }
    function row(label, n, f, fmt) { printf "| %s | %s | %s | %s |\n", label, cell(n, f, fmt), cell("coredns", f, fmt), ratio(n, f) }
    function header() { print "| figure | nodedns | CoreDNS | ratio nodedns/CoreDNS |"; print "|---|---|---|---|" }
    NR > 1 && $4 != "" && $4 != "-" { all[$2, $3] = all[$2, $3] " " $4; per[$1, $2, $3] = per[$1, $2, $3] " " $4
      if ($1 > rounds) rounds = $1 }
    END {
      match(machine, /cold_rate=[0-9]+/); rate = substr(machine, RSTART + 10, RLENGTH - 10)
      match(machine, /cold_secs=[0-9]+/); secs = substr(machine, RSTART + 10, RLENGTH - 10)
      if (machine ~ /quick=1/) print "SMOKE RUN (QUICK=1): a few seconds per figure on a busy machine; not a measurement.\n"
      header()
      row("server CPU per cache hit (us/query)", "nodedns", "hit_cpu_us", "%.2f")
      row("forwarded-miss QPS", "nodedns", "miss_qps", "%.0f")
      row("idle RSS (MiB)", "nodedns", "idle_rss_mib", "%.1f")
      row("RSS after hit and miss saturation (MiB)", "nodedns", "sat_rss_mib", "%.1f")
      row("exec to first answer, image launcher (ms)", "nodedns", "exec_ms", "%.1f")
      row("exec to first answer, ./nodedns (ms)", "nodedns-dev", "exec_ms", "%.1f")
      row("p99 of the first " secs " s after start, " rate " qps of misses (ms)", "nodedns", "cold_p99_ms", "%.2f")
      for (i = 1; i <= 2; i++) { s = i == 1 ? "coredns" : "nodedns"
        if ((s, "miss_qps") in all && med(all[s, "miss_qps"]) < 2 * rate)
          printf "\nNOTE: %s forwarded only %.0f misses/s here, under twice the cold-start rate: its cold-start p99 is its queue at an overload, not its start. The machine was too busy for that figure.\n", s, med(all[s, "miss_qps"]) }
      print "\nMore figures of the same runs:\n"
      header()
      row("cache-hit QPS (closed loop)", "nodedns", "hit_qps", "%.0f")
      row("server CPU per forwarded miss (us/query)", "nodedns", "miss_cpu_us", "%.2f")
      row("peak RSS, VmHWM (MiB)", "nodedns", "peak_rss_mib", "%.1f")
      row("idle RSS, ./nodedns (MiB)", "nodedns-dev", "idle_rss_mib", "%.1f")
      row("p99 of the first " secs " s, answered queries only (ms)", "nodedns", "cold_p99_answered_ms", "%.2f")
      row("max latency of the first " secs " s (ms)", "nodedns", "cold_max_ms", "%.2f")
      row("timeouts (over 5 s) in the first " secs " s", "nodedns", "cold_timeouts", "%.0f")
      row("timeouts, hit saturation", "nodedns", "hit_timeouts", "%.0f")
      row("timeouts, miss saturation", "nodedns", "miss_timeouts", "%.0f")
      row("exec to first answer with the generator polling too (ms)", "nodedns", "cold_exec_ms", "%.1f")
    }' "$res/results.csv"
}

if [[ "${1:-}" == --report ]]; then summary "${2:?usage: footprint.sh --report RESULTS_DIR}"; exit 0; fi
for p in $PARTS; do [[ " full cold exec " == *" $p "* ]] || die "PARTS: unknown part $p (full cold exec)"; done

if [[ -z "$COREDNS" || ! -x "$COREDNS" ]]; then
  cat >&2 <<MSG
footprint: no CoreDNS binary${COREDNS:+ at $COREDNS}. Pass its path: bench/footprint.sh /path/to/coredns
(or set COREDNS). It must be CoreDNS 1.10.1 with the plugins errors reload loop bind cache forward
prometheus health ready, e.g. built from the v1.10.1 tag (docs/benchmarks.md "Footprint and cold
start"). Only this benchmark needs it; nothing in the build or CI does.
MSG
  exit 2
fi
COREDNS="$(cd "$(dirname "$COREDNS")" && pwd)/$(basename "$COREDNS")"
coredns_version="$("$COREDNS" -version 2>/dev/null | sed -n 1p)"
[[ "$coredns_version" == CoreDNS-1.10.1 ]] ||
  log "WARNING: $COREDNS is '$coredns_version', not CoreDNS-1.10.1 (node-local-dns's engine, issue 17's reference)"
coredns_plugins="$("$COREDNS" -plugins 2>/dev/null)"
for p in errors reload loop bind cache forward prometheus health ready; do
  grep -qx "  dns.$p" <<<"$coredns_plugins" || die "$COREDNS has no $p plugin: the Corefile needs it"
done

# nodedns as shipped: both launchers start whatever was built last, so a stale build is an error,
# and ./nodedns would rebuild inside the measured time.
[[ -x "$IMAGE/bin/nodedns" ]] ||
  die "no $IMAGE/bin/nodedns: build the image's runtime with ./mvnw -B -q -Pjlink -DskipTests package"
[[ -n "$image_given" ]] || ! bench_stale "$IMAGE/nodedns.jar" "$bench_root/deploy/image" ||
  die "$IMAGE is older than src/main, pom.xml or deploy/image: rebuild (./mvnw -B -q -Pjlink -DskipTests package)"
dev_jar="$(ls "$bench_root"/target/nodedns-*.jar 2>/dev/null | grep -v -- '-sources' | head -n1 || true)"
if [[ ! -d "$bench_root/target/lib" ]] || bench_stale "$dev_jar"; then
  die "target/'s jar is missing or stale, so ./nodedns would build before it starts: ./mvnw -B -q -DskipTests package"
fi
command -v taskset >/dev/null || die "taskset missing (util-linux)"
command -v gcc >/dev/null || die "gcc missing: it builds bench/reflector.c and bench/coldstart.c"
JAVA="$(find_java)"
bench_build "$JAVA" # the load generator's build, before anything is timed

pids=()
tmp=""
bench_on_exit

mkdir -p "$OUT/raw"
tmp="$(mktemp -d /tmp/nodedns-footprint.XXXXXX)"
gcc -O2 -pthread -o "$tmp/reflector" "$here/reflector.c"
gcc -O2 -o "$tmp/coldstart" "$here/coldstart.c"
# One Corefile text for both servers, run from a directory of their own (CoreDNS would read a
# ./Corefile without -conf, and serve .:53 on every address without any).
nodelocaldns_corefile "$PORT" "127.0.0.1:$UP_PORT" >"$tmp/Corefile"
cp "$tmp/Corefile" "$OUT/Corefile"
echo "round,server,figure,value" >"$OUT/results.csv"
csv() { echo "$1,$2,$3,$4" >>"$OUT/results.csv"; }

for p in "$PORT" "$UP_PORT" $((PORT + 2)) $((PORT + 3)) $((PORT + 4)); do
  port_busy "$p" && die "port $p is in use; set BASE_PORT"
done
# The upstream: the C reflector, UDP and TCP (three blocks forward with force_tcp), on the client CPU.
taskset -c "$CLIENT_CPU" "$tmp/reflector" -p "$UP_PORT" -m -t >"$OUT/raw/reflector.log" 2>&1 &
pids+=($!)

start_server() { # start_server NAME TAG: exec pinned to SERVER_CPU, timed to the first answer; sets spid, exec_ms
  local name="$1" tag="$2" r cmd
  port_busy "$PORT" && die "port $PORT still in use before $name $tag"
  case "$name" in
    coredns) cmd=("$COREDNS" -conf "$tmp/Corefile") ;;
    nodedns) cmd=("$IMAGE/bin/nodedns" -conf "$tmp/Corefile") ;;
    nodedns-dev) cmd=("$bench_root/nodedns" -conf "$tmp/Corefile") ;;
    *) die "unknown server $name" ;;
  esac
  # JAVA_HOME names the JDK, the README's first way (without it ./nodedns tries the java on PATH
  # first: one more JVM start where that is not a JDK 25); the image's launcher and CoreDNS ignore it
  r="$(cd "$tmp" && JAVA_HOME="$(dirname "$(dirname "$JAVA")")" \
       "$tmp/coldstart" -p "$PORT" -c "$SERVER_CPU" -o "$OUT/raw/$name-$tag.log" -w 120 -- "${cmd[@]}")" ||
    die "$name did not answer (see $OUT/raw/$name-$tag.log)"
  spid="$(kv pid " $r")" exec_ms="$(kv exec_to_answer_ms " $r")"
  pids+=("$spid")
}

stop_server() { stop_pid "$1"; forget "$1"; }

check_loopback() { # check_loopback NAME PID: every socket the server listens on is on loopback
  local bad
  bad="$(ss -H -lntup 2>/dev/null | grep "pid=$2," | awk '{print $5}' | grep -vE '^(127\.|\[::1\]|\[::ffff:127\.)' || true)"
  [[ -z "$bad" ]] || die "$1 listens beyond loopback: $bad"
}

status_mib() { awk -v f="$2:" '$1 == f {printf "%.1f", $2 / 1024}' "/proc/$1/status"; } # VmRSS/VmHWM in MiB

loadgen() { # loadgen ARGS...: the project's load generator on the client CPU; prints its RESULT line
  taskset -c "$CLIENT_CPU" "$here/loadgen.sh" "$@" 2>>"$OUT/raw/loadgen.log" | tee -a "$OUT/raw/loadgen.log" | grep '^RESULT ' || true
}

full() { # full NAME ROUND: exec time, idle RSS, hit and miss saturation, RSS after them
  local s="$1" k="$2" r w
  start_server "$s" "full-$k"
  csv "$k" "$s" exec_ms "$exec_ms"
  sleep "$IDLE_SECS"
  csv "$k" "$s" idle_rss_mib "$(status_mib "$spid" VmRSS)"
  check_loopback "$s" "$spid"
  for w in hit miss; do
    r="$(loadgen --server "127.0.0.1:$PORT" --workload "$w" --outstanding "$LG_OUTSTANDING" --duration "${SAT_SECS}s" \
         --warmup "$LG_WARMUP" --server-pid "$spid" --label "$s-$w-$k")"
    [[ -n "$r" ]] || die "$s $w: no result from the load generator (see $OUT/raw/loadgen.log)"
    csv "$k" "$s" "${w}_qps" "$(kv qps "$r")"
    csv "$k" "$s" "${w}_cpu_us" "$(kv server_cpu_us_per_q "$r")"
    csv "$k" "$s" "${w}_timeouts" "$(kv timeouts "$r")"
  done
  csv "$k" "$s" sat_rss_mib "$(status_mib "$spid" VmRSS)"
  csv "$k" "$s" peak_rss_mib "$(status_mib "$spid" VmHWM)"
  stop_server "$spid"
  log "$s round $k: exec ${exec_ms} ms, $(awk -F, -v k="$k" -v s="$s" '$1 == k && $2 == s && $3 ~ /rss|qps|cpu/ {printf "%s %s  ", $3, $4}' "$OUT/results.csv")"
}

cold() { # cold NAME ROUND: a warm generator waits for the server's first answer, then 5k qps of misses
  local s="$1" k="$2" lg="$OUT/raw/$s-cold-$k.loadgen" i
  taskset -c "$CLIENT_CPU" "$here/loadgen.sh" --server "127.0.0.1:$PORT" --warmup-server "127.0.0.1:$UP_PORT" \
    --warmup "$LG_WARMUP" --await 120s --workload miss --rate "$COLD_RATE" --duration "${COLD_SECS}s" --timeout 5s \
    --label "$s-cold-$k" --hlog "$OUT/raw/$s-cold-$k.hlog" --percentiles "$OUT/raw/$s-cold-$k.pct" >"$lg" 2>&1 &
  local lgpid=$!
  pids+=("$lgpid")
  for i in $(seq 6000); do # the generator warms up against the upstream first (up to ~15 s)
    grep -q 'awaiting the first answer' "$lg" && break
    kill -0 "$lgpid" 2>/dev/null || die "$s cold: the load generator ended early (see $lg)"
    sleep 0.02
  done
  grep -q 'awaiting the first answer' "$lg" || die "$s cold: the load generator never got ready (see $lg)"
  start_server "$s" "cold-$k"
  csv "$k" "$s" cold_exec_ms "$exec_ms"
  wait "$lgpid" || true
  forget "$lgpid"
  local r; r="$(grep '^RESULT ' "$lg" || true)"
  [[ -n "$r" ]] || die "$s cold: no result (see $lg)"
  # p99 over every query sent, an unanswered one counting as the 5 s timeout (a client's resolv.conf
  # default): the generator's p99 is of the answered ones, and a server dropping its first second of
  # queries would look fast by it. Read off the percentile file (its rows are percentile steps, a
  # little coarser than the histogram); with every query answered, the generator's exact p99
  csv "$k" "$s" cold_p99_ms "$(awk -v s="$(kv sent "$r")" -v a="$(kv answered "$r")" -v p99="$(kv p99_us "$r")" '
    BEGIN { if (a == s) { printf "%.2f", p99 / 1000; f = 1; exit } q = a > 0 ? 0.99 * s / a : 2 }
    /^ *[0-9]/ && $2 + 0 >= q { printf "%.2f", $1 / 1000; f = 1; exit }
    END { if (!f) printf "%.2f", 5000 }' "$OUT/raw/$s-cold-$k.pct")"
  csv "$k" "$s" cold_p99_answered_ms "$(awk -v v="$(kv p99_us "$r")" 'BEGIN {printf "%.2f", v / 1000}')"
  csv "$k" "$s" cold_max_ms "$(awk -v v="$(kv max_us "$r")" 'BEGIN {printf "%.2f", v / 1000}')"
  csv "$k" "$s" cold_timeouts "$(kv timeouts "$r")"
  csv "$k" "$s" cold_await_ms "$(kv await_ms "$r")"
  stop_server "$spid"
  log "$s round $k: first ${COLD_SECS} s at $COLD_RATE qps of misses: p99 $(kv p99_us "$r") us, max $(kv max_us "$r") us, timeouts $(kv timeouts "$r") (exec ${exec_ms} ms)"
}

execs() { # execs NAME ROUND: EXECS starts that only time exec to first answer
  local s="$1" k="$2" j
  for ((j = 1; j <= EXECS; j++)); do
    start_server "$s" "exec-$k-$j"
    csv "$k" "$s" exec_ms "$exec_ms"
    if [[ "$s" == nodedns-dev ]]; then sleep "$IDLE_SECS"; csv "$k" "$s" idle_rss_mib "$(status_mib "$spid" VmRSS)"; fi
    stop_server "$spid"
  done
  log "$s round $k: exec to first answer $(awk -F, -v k="$k" -v s="$s" '$1 == k && $2 == s && $3 == "exec_ms" {printf "%s ", $4}' "$OUT/results.csv")ms"
}

{ echo "stamp=$stamp quick=$QUICK"
  echo "cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo) cores=$(nproc)"
  echo "kernel=$(uname -r) $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "java=$("$JAVA" -version 2>&1 | sed -n 1p) image_runtime=$("$IMAGE/runtime/bin/java" -version 2>&1 | sed -n 1p)"
  echo "coredns=$coredns_version ($("$COREDNS" -version 2>/dev/null | sed -n 2p))"
  echo "nodedns=$(git -C "$bench_root" rev-parse --short HEAD 2>/dev/null)$(git -C "$bench_root" diff --quiet HEAD -- src/main deploy/image pom.xml 2>/dev/null || echo +dirty) image=$IMAGE"
  echo "parts=$PARTS rounds=$ROUNDS execs=$EXECS sat_secs=$SAT_SECS idle_secs=$IDLE_SECS lg_warmup=$LG_WARMUP lg_outstanding=$LG_OUTSTANDING cold_rate=$COLD_RATE cold_secs=$COLD_SECS server_cpu=$SERVER_CPU client_cpu=$CLIENT_CPU"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"; } >"$OUT/machine.txt"

t_start=$SECONDS
for ((k = 1; k <= ROUNDS; k++)); do
  # within a round the servers alternate, so a slow spell of the VM falls on both
  if [[ " $PARTS " == *" full "* ]]; then for s in coredns nodedns; do full "$s" "$k"; done; fi
  if [[ " $PARTS " == *" cold "* ]]; then for s in coredns nodedns; do cold "$s" "$k"; done; fi
  if [[ " $PARTS " == *" exec "* ]]; then for s in coredns nodedns nodedns-dev; do execs "$s" "$k"; done; fi
done
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg) elapsed_s=$((SECONDS - t_start))" >>"$OUT/machine.txt"

summary "$OUT" | tee "$OUT/summary.md"
log "results in $OUT ($((SECONDS - t_start)) s)"
