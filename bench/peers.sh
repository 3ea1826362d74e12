#!/usr/bin/env bash
# Measures nodedns beside established DNS servers on this machine, one after another, the way
# docs/benchmarks.md describes (its Method section). Loopback only.
#   bench/peers.sh            full run (about 25 minutes, estimated: 11 server/workload pairs of ~2 minutes)
#   QUICK=1 bench/peers.sh    smoke run (about 3 minutes; 159 s on the shared 2-core VM): proves the
#                             plumbing, not a measurement
# It prints how long it really took at the end. Results, the report (benchmarks.md) and the latency
# plot go to OUT (default bench/results/STAMP, ignored by git); DOCS=1 also writes the report to
# docs/benchmarks.md and docs/benchmarks-latency.png (tracked: only for a full run on a quiet machine).
# gnuplot is optional: without it there is no plot, and the last line says so.
# Knobs (env): SERVERS, WORKLOADS, RUNS, SAT_SECS, LAT_SECS, WARMUP_SECS, WORKLOAD_WARMUP_SECS, LG_WARMUP, HIT_RATE, MISS_RATE,
# MIX_RATE, LG_OUTSTANDING, LG_SOCKETS, MISS_NAMES, MIX_LINES, BASE_PORT, SERVER_CPU, CLIENT_CPU,
# BASE_JAR (the jar of an older build, measured as server nodedns-base),
# OUT (results directory), DOCS=1 (write docs/), NODEDNS_JAVA_OPTS, NODEDNS_EXTRA (Corefile lines
# added to nodedns's block, e.g. "  prometheus 127.0.0.1:9153\n"), BUILD_DIR.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

QUICK="${QUICK:-0}"
if [[ "$QUICK" == 1 ]]; then
  d_runs=1 d_sat=2 d_lat=2 d_warm=2 d_wwarm=1 d_lgwarm=500ms d_miss=300000 d_mix=200000
else
  d_runs=3 d_sat=10 d_lat=10 d_warm=20 d_wwarm=10 d_lgwarm=2s d_miss=2000000 d_mix=2000000
fi
SERVERS="${SERVERS:-reflector-mmsg reflector-plain dnsdist unbound nodedns}"
WORKLOADS="${WORKLOADS:-hit miss mix}"
# Saturation and latency runs per server and workload; the report takes the median run of each.
# A single 10 s run's p99 at 20k qps is set by how many of this VM's millisecond stalls fall into
# it (0.7-0.9 % of queries for every server, the C reflector included): one run ranked servers by luck.
RUNS="${RUNS:-$d_runs}"
SAT_SECS="${SAT_SECS:-$d_sat}"         # dnsperf saturation and closed-loop runs
LAT_SECS="${LAT_SECS:-$d_lat}"         # open-loop latency runs
WARMUP_SECS="${WARMUP_SECS:-$d_warm}"  # per server, before anything is measured (JIT, caches)
WORKLOAD_WARMUP_SECS="${WORKLOAD_WARMUP_SECS:-$d_wwarm}"  # per server and workload, just before it is measured
LG_WARMUP="${LG_WARMUP:-$d_lgwarm}"    # the load generator's own warm-up before each run
HIT_RATE="${HIT_RATE:-20000}" MISS_RATE="${MISS_RATE:-10000}" MIX_RATE="${MIX_RATE:-20000}"
LG_OUTSTANDING="${LG_OUTSTANDING:-200}" LG_SOCKETS="${LG_SOCKETS:-1000}"
MISS_NAMES="${MISS_NAMES:-$d_miss}" MIX_LINES="${MIX_LINES:-$d_mix}"
BASE_PORT="${BASE_PORT:-25300}" SERVER_CPU="${SERVER_CPU:-0}" CLIENT_CPU="${CLIENT_CPU:-1}"
DNSPERF_ARGS="${DNSPERF_ARGS:--c 10 -q 200 -T 1}"
stamp="$(date +%Y%m%d-%H%M%S)"
OUT="${OUT:-$bench_root/bench/results/$stamp$(if [[ "$QUICK" == 1 ]]; then echo -smoke; fi)}"
KNOT_PORT=$((BASE_PORT + 53))

log() { printf '%s peers: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "$*"; exit 1; }

# --- tools ------------------------------------------------------------------------------------
install_missing() {
  local -A pkg=([dnsperf]=dnsperf [dnsdist]=dnsdist [unbound]=unbound [knotd]=knot
                [taskset]=util-linux [gcc]=gcc)
  command -v gnuplot >/dev/null 2>&1 || log "gnuplot not found: no latency plot (optional; apt-get install gnuplot-nox)"
  local missing=() c
  for c in "${!pkg[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("${pkg[$c]}"); done
  ((${#missing[@]})) || return 0
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
  log "installing ${missing[*]}"
  # Keep the packages' system services (port 53, unbound-anchor's network fetch) from starting.
  local rcd=/usr/sbin/policy-rc.d made=0
  if [[ ! -e $rcd ]]; then printf '#!/bin/sh\nexit 101\n' >"$rcd"; chmod +x "$rcd"; made=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 || {
    apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
  ((made)) && rm -f "$rcd"
  return 0
}

# --- processes: every server we start is recorded and killed on exit ----------------------------
pids=()
tmp=""
bench_on_exit

start_bg() { # start_bg CPU LOGFILE CMD... : pinned, backgrounded; sets $started
  local cpu="$1" logf="$2"; shift 2
  taskset -c "$cpu" "$@" >"$logf" 2>&1 &
  started=$!
  pids+=("$started")
}

cpu_us() { # utime + stime of a process (all threads) in microseconds
  local t; t="$(sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}')"
  echo $((t * 1000000 / clk_tck))
}

cpu_split_us() { # "utime stime" of a process (all threads) in microseconds
  sed 's/.*) //' "/proc/$1/stat" | awk -v t="$clk_tck" '{printf "%d %d", $12 * 1000000 / t, $13 * 1000000 / t}'
}

wait_ready() { # wait_ready PORT PID SECONDS: until one query is answered
  local port="$1" pid="$2" deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 1
    if timeout 5 dnsperf -s 127.0.0.1 -p "$port" -d "$data/probe.txt" -n 1 -t 1 2>/dev/null |
       grep -qE 'Queries completed: +1 '; then return 0; fi
    sleep 0.3
  done
  return 1
}

# --- measurements -------------------------------------------------------------------------------
saturate() { # saturate SERVER WORKLOAD PORT PID RUN: dnsperf at saturation, server CPU from /proc
  local s="$1" w="$2" port="$3" pid="$4" k="$5" f="$OUT/raw/$1-$2-dnsperf-$5.txt"
  local c0 c1 split0 split1
  c0="$(cpu_us "$pid")"
  split0="$(cpu_split_us "$pid")"
  # every run its own names: a repeated miss file would be answered from the cache
  timeout -k 5 $((SAT_SECS + 30)) taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$port" -d "$(query_file "$w" "$k")" \
    $DNSPERF_ARGS -l "$SAT_SECS" >"$f" 2>&1 || log "$s $w: dnsperf failed (see $f)"
  c1="$(cpu_us "$pid")"
  split1="$(cpu_split_us "$pid")"
  local done qps lost rc
  done="$(awk '/Queries completed:/ {print $3}' "$f")"
  qps="$(awk '/Queries per second:/ {print $4}' "$f")"
  lost="$(awk '/Queries lost:/ {print $3}' "$f")"
  rc="$(sed -n 's/.*Response codes: *//p' "$f" | sed -E 's/ \([0-9.]+%\)//g; s/ /:/g; s/,:/;/g')"
  local cpq="-"; [[ -n "$done" && "$done" -gt 0 ]] && cpq="$(awk -v c=$((c1 - c0)) -v n="$done" 'BEGIN {printf "%.3f", c / n}')"
  csv "$s,$w,dnsperf,closed,0,${qps:-0},${done:-0},${lost:-0},$rc,$cpq,,,,,,$k"
  local user sys; read -r user sys <<<"$(awk -v a="$split0" -v b="$split1" -v n="${done:-0}" 'BEGIN {
    split(a, x, " "); split(b, y, " "); if (n > 0) printf "%.3f %.3f", (y[1] - x[1]) / n, (y[2] - x[2]) / n; else print "- -" }')"
  log "$s $w: dnsperf run $k ${qps:-?} qps, ${cpq} us CPU/query (user $user, system $sys), lost ${lost:-?}"
  [[ -z "$rc" || "$rc" =~ ^NOERROR:[0-9]+$ ]] || log "$s $w: WARNING: not all NOERROR: $rc (misconfigured server?)"
}

latency() { # latency SERVER WORKLOAD PORT PID RUN: open loop at a fixed rate, from the intended send time
  local s="$1" w="$2" port="$3" pid="$4" k="$5" f="$OUT/raw/$1-$2" rate r
  case "$w" in hit) rate=$HIT_RATE ;; miss) rate=$MISS_RATE ;; *) rate=$MIX_RATE ;; esac
  r="$(loadgen --server "127.0.0.1:$port" --workload "$w" --rate "$rate" --duration "${LAT_SECS}s" \
       --warmup "$LG_WARMUP" --sockets "$LG_SOCKETS" --server-pid "$pid" --label "$s" \
       --hlog "$f-open-$k.hlog" --percentiles "$f-open-$k.pct")"
  lg_csv "$s" "$w" open "$rate" "$r" "$k"
}

csv() { echo "$*" >>"$OUT/results.csv"; }

loadgen() { # loadgen ARGS...: pinned to the client CPU, bounded in time; prints the RESULT line
  timeout -k 5 $((SAT_SECS + LAT_SECS + WARMUP_SECS + 60)) taskset -c "$CLIENT_CPU" "$JAVA" "${bench_jvm_flags[@]}" \
    -Xms256m -Xmx256m -XX:+UseParallelGC -cp "$cp" io.nodedns.bench.LoadGenerator "$@" 2>>"$OUT/raw/loadgen.log" |
    tee -a "$OUT/raw/loadgen.log" | grep '^RESULT ' || true
}

closed_loop() { # closed_loop SERVER WORKLOAD PORT PID: the harness's own closed-loop maximum, once
  local s="$1" w="$2" port="$3" pid="$4" r
  r="$(loadgen --server "127.0.0.1:$port" --workload "$w" --outstanding "$LG_OUTSTANDING" \
       --duration "${SAT_SECS}s" --warmup "$LG_WARMUP" --sockets "$LG_SOCKETS" --server-pid "$pid" --label "$s")"
  lg_csv "$s" "$w" closed 0 "$r" 1
}

lg_csv() { # lg_csv SERVER WORKLOAD MODE RATE RESULT-LINE RUN
  if [[ -z "$5" ]]; then log "$1 $2: loadgen $3 produced no result (see $OUT/raw/loadgen.log)"; return; fi
  csv "$1,$2,loadgen,$3,$4,$(kv qps "$5"),$(kv answered "$5"),$(kv timeouts "$5"),$(kv rcodes "$5" | tr ',' ';'),$(kv server_cpu_us_per_q "$5"),$(kv p50_us "$5"),$(kv p90_us "$5"),$(kv p99_us "$5"),$(kv p999_us "$5"),$(kv max_us "$5"),$6,$(kv over_100us_pct "$5"),$(kv over_1ms_pct "$5")"
  log "$1 $2: loadgen $3 run $6 $(kv qps "$5") qps, p50/p90/p99 $(kv p50_us "$5")/$(kv p90_us "$5")/$(kv p99_us "$5") us, timeouts $(kv timeouts "$5")"
}

# --- servers ------------------------------------------------------------------------------------
start_server() { # start_server NAME PORT: sets $started (pid)
  local name="$1" port="$2" d="$tmp/$1"; mkdir -p "$d"
  port_busy "$port" && die "UDP port $port is in use; set BASE_PORT"
  case "$name" in
    reflector-mmsg) start_bg "$SERVER_CPU" "$OUT/raw/$name.log" "$tmp/reflector" -p "$port" -m ;;
    reflector-plain) start_bg "$SERVER_CPU" "$OUT/raw/$name.log" "$tmp/reflector" -p "$port" -s ;;
    dnsdist)
      cat >"$d/dnsdist.conf" <<EOF
setSecurityPollSuffix("")  -- no version check through the system resolver
setACL({"127.0.0.0/8"})
setLocal("127.0.0.1:$port")
setUDPSocketBufferSizes(4194304, 4194304)  -- what nodedns and the reflector ask for
newServer({address="127.0.0.1:$KNOT_PORT", checkName="ns.bench.test."})
pc = newPacketCache(2000000, {maxTTL=86400, minTTL=0})
getPool(""):setCache(pc)
EOF
      start_bg "$SERVER_CPU" "$OUT/raw/$name.log" dnsdist --supervised --disable-syslog -C "$d/dnsdist.conf" ;;
    unbound)
      cat >"$d/unbound.conf" <<EOF
server:
  interface: 127.0.0.1@$port
  port: $port
  num-threads: 1
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$d"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  do-ip6: no
  module-config: "iterator"
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  msg-cache-size: 256m
  rrset-cache-size: 512m
  num-queries-per-thread: 4096
  so-rcvbuf: 4m  # what nodedns and the reflector ask for
  so-sndbuf: 4m
  outgoing-range: 8192
  minimal-responses: yes
  local-zone: "test." nodefault  # unbound answers RFC 6761 test. with NXDOMAIN by default
remote-control:
  control-enable: no
forward-zone:
  name: "."
  forward-addr: 127.0.0.1@$KNOT_PORT
EOF
      start_bg "$SERVER_CPU" "$OUT/raw/$name.log" unbound -d -c "$d/unbound.conf" ;;
    nodedns|nodedns-whoami|nodedns-base)
      local jar; jar="$(bench_jar)"
      if [[ "$name" == nodedns-base ]]; then
        # An older build beside this one, for a no-regression check in one run (only ratios of one run compare)
        jar="${BASE_JAR:?nodedns-base needs BASE_JAR, the jar of another build (its lib/ beside it)}"
      fi
      if [[ "$name" != nodedns-whoami ]]; then
        printf '.:%s {\n  bind 127.0.0.1\n  multisocket 1\n  cache\n  forward . 127.0.0.1:%s\n%b}\n' "$port" "$KNOT_PORT" "${NODEDNS_EXTRA:-}" >"$d/Corefile"
      else
        printf '.:%s {\n  bind 127.0.0.1\n  multisocket 1\n  whoami\n}\n' "$port" >"$d/Corefile"
      fi
      # The ./nodedns launcher's flags, but our BUILD_DIR jar (the launcher builds into target/).
      # shellcheck disable=SC2206
      local extra=(${NODEDNS_JAVA_OPTS:--Xms512m -Xmx512m -XX:+AlwaysPreTouch})
      # GC and safepoint pauses stop the loop, JIT compiles and deoptimisations share its CPU: logged
      # with wall-clock times, so a latency tail can be matched against them
      start_bg "$SERVER_CPU" "$OUT/raw/$name.log" "$JAVA" -Xms64m -Xmx512m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
        -XX:+PerfDisableSharedMem "-Xlog:gc,safepoint,jit+compilation=debug,deoptimization=debug:file=$OUT/raw/$name-jvm.log:time,uptime" \
        "${bench_jvm_flags[@]}" "${extra[@]}" -jar "$jar" -conf "$d/Corefile" ;;
    *) die "unknown server $name" ;;
  esac
}

# --- main ---------------------------------------------------------------------------------------
t_start=$SECONDS
install_missing
command -v taskset >/dev/null || die "taskset missing"
JAVA="$(find_java)"
bench_build "$JAVA"
cp="$bench_root/$BUILD_DIR/classes:$bench_root/$BUILD_DIR/lib/*"
clk_tck="$(getconf CLK_TCK)"
mkdir -p "$OUT/raw"
tmp="$(mktemp -d /tmp/nodedns-peers.XXXXXX)"
data="$tmp/data"; mkdir -p "$data"
gcc -O2 -pthread -o "$tmp/reflector" "$here/reflector.c"
echo "server,workload,tool,mode,rate,qps,answered,timeouts,rcodes,cpu_us_per_q,p50_us,p90_us,p99_us,p999_us,max_us,run,over_100us_pct,over_1ms_pct" >"$OUT/results.csv"

plugins="$("$JAVA" "${bench_jvm_flags[@]}" -jar "$(bench_jar)" -plugins 2>/dev/null || true)"
if ! grep -qx '  dns.cache' <<<"$plugins" || ! grep -qx '  dns.forward' <<<"$plugins"; then
  log "nodedns has no cache/forward plugin yet: skipping its cache+forward runs; measuring nodedns-whoami (plumbing only, hit)"
  SERVERS="${SERVERS/nodedns/nodedns-whoami}"
fi

# Data: the hit set, unique misses (a bijective hash of a counter, so no repeats), and 95/5 mix.
salt=$(( (RANDOM << 15 | RANDOM) & 0x7fffffff ))
awk 'BEGIN { for (i = 0; i < 1000; i++) print "h" i ".bench.test A" }' >"$data/hit.txt"
head -1 "$data/hit.txt" >"$data/probe.txt"
query_file() { # query_file WORKLOAD RUN: dnsperf's input for that run
  if [[ "$1" == hit ]]; then echo "$data/hit.txt"; else echo "$data/$1-$2.txt"; fi
}
for ((k = 1; k <= RUNS; k++)); do
  run_salt=$(( (salt + k * 0x01000193) & 0x7fffffff ))
  awk -v n="$MISS_NAMES" -v s="$run_salt" 'BEGIN { for (i = 0; i < n; i++) printf "%08x%08x.miss.bench.test A\n", s, (i * 2654435761) % 4294967296 }' >"$(query_file miss "$k")"
  awk -v n="$MIX_LINES" -v s="$((run_salt ^ 0x5a5a5a5a))" 'BEGIN { srand(7); for (i = 0; i < n; i++)
    if (rand() < 0.05) printf "%08x%08x.miss.bench.test A\n", s, (i * 2654435761) % 4294967296; else print "h" (i % 1000) ".bench.test A" }' >"$(query_file mix "$k")"
done

# Upstream: knot, authoritative for bench.test, one UDP worker, on the client CPU.
mkdir -p "$tmp/knot/db"
{ printf '$ORIGIN bench.test.\n$TTL 3600\n@ SOA ns hostmaster 1 3600 600 86400 3600\n@ NS ns\nns A 127.0.0.1\n*.miss A 10.1.0.1\n'
  awk 'BEGIN { for (i = 0; i < 1000; i++) printf "h%d A 10.0.%d.%d\n", i, int(i / 250), i % 250 + 1 }'; } >"$tmp/knot/bench.test.zone"
cat >"$tmp/knot/knot.conf" <<EOF
server:
  rundir: "$tmp/knot"
  listen: 127.0.0.1@$KNOT_PORT
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
database:
  storage: "$tmp/knot/db"
log:
  - target: stderr
    any: warning
zone:
  - domain: bench.test
    file: "$tmp/knot/bench.test.zone"
    storage: "$tmp/knot"
    journal-content: none
EOF
port_busy "$KNOT_PORT" && die "UDP port $KNOT_PORT is in use; set BASE_PORT"
# knotd sets no SO_RCVBUF, so its socket would get the 208 KiB default and overflow under saturation:
# the upstream, not the server measured, lost queries (run 5: dnsdist 12 lost; nodedns retried its
# after the 2 s read_timeout, which stretched dnsperf's run time and cut its QPS figure 15 %). It gets
# what the servers ask for (4 MiB) through rmem_default, set for knot's start only.
rmem_default="$(sysctl -n net.core.rmem_default)"
restore_rmem() { sysctl -qw net.core.rmem_default="$rmem_default" 2>/dev/null || true; }
sysctl -qw net.core.rmem_default=4194304 || log "cannot raise net.core.rmem_default (not root?): knot keeps $rmem_default"
start_bg "$CLIENT_CPU" "$OUT/raw/knot.log" knotd -c "$tmp/knot/knot.conf"
knot_pid=$started
wait_ready "$KNOT_PORT" "$knot_pid" 20 || { restore_rmem; die "knot did not answer on $KNOT_PORT (see $OUT/raw/knot.log)"; }
restore_rmem
log "knot socket: $(ss -uamn "sport = :$KNOT_PORT" 2>/dev/null | grep -o 'rb[0-9]*' | head -1)"
# knotd pins its UDP worker to a CPU of its own choosing (CPU 0, the server's), whatever taskset
# said: before run 5 the upstream shared the measured server's CPU. Re-pin every thread, and check.
taskset -a -p -c "$CLIENT_CPU" "$knot_pid" >/dev/null
for t in /proc/"$knot_pid"/task/*; do
  [[ "$(taskset -pc "${t##*/}" | sed 's/.*: //')" == "$CLIENT_CPU" ]] ||
    die "knot thread ${t##*/} is not on CPU $CLIENT_CPU"
done

{ echo "stamp=$stamp quick=$QUICK"
  echo "cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo) cores=$(nproc)"
  echo "kernel=$(uname -r) $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "java=$("$JAVA" -version 2>&1 | head -1)"
  echo "dnsperf=$(dnsperf -h 2>&1 | awk '/^Version/ {print $2}') dnsdist=$(dnsdist --version | awk 'NR==1 {print $2}') unbound=$(unbound -V | awk 'NR==1 {print $2}') knot=$(knotd --version | awk '{print $NF}')"
  echo "nodedns=$(git -C "$bench_root" rev-parse --short HEAD 2>/dev/null)$(git -C "$bench_root" diff --quiet 2>/dev/null || echo +dirty)"
  # the commit the base jar was built from when it sits in a checkout (target/ of a worktree), else its file name
  [[ -z "${BASE_JAR:-}" ]] || echo "nodedns-base=$(git -C "$(dirname "$BASE_JAR")" rev-parse --short HEAD 2>/dev/null || basename "$BASE_JAR")"
  echo "runs=$RUNS sat_secs=$SAT_SECS lat_secs=$LAT_SECS warmup_secs=$WARMUP_SECS workload_warmup_secs=$WORKLOAD_WARMUP_SECS hit_rate=$HIT_RATE miss_rate=$MISS_RATE mix_rate=$MIX_RATE"
  echo "dnsperf_args=$DNSPERF_ARGS lg_outstanding=$LG_OUTSTANDING lg_sockets=$LG_SOCKETS server_cpu=$SERVER_CPU client_cpu=$CLIENT_CPU"
  echo "servers=$SERVERS"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"; } >"$OUT/machine.txt"

# Workload by workload, each server started afresh and warmed up, then the measurements taken in
# rounds, every server once per round (RUNS rounds): this VM's speed and stall rate drift over
# minutes (run 8: the reflector, measured first, had p99s of 8.0 ms, 0.8 ms and 0.3 ms in three
# consecutive runs), so a server measured in one block could land in a bad spell alone. The servers
# not being measured are idle meanwhile: nodedns wakes its loop every 10 ms, dnsdist health-checks
# knot once a second, the others sleep.
for w in $WORKLOADS; do
  i=0; ready=(); declare -A port_of=() pid_of=()
  for s in $SERVERS; do
    i=$((i + 1)); port=$((BASE_PORT + i))
    if [[ "$s" == reflector-* || "$s" == nodedns-whoami ]] && [[ "$w" != hit ]]; then continue; fi
    log "$s $w: starting on 127.0.0.1:$port (CPU $SERVER_CPU)"
    start_server "$s" "$port"
    pid=$started
    if ! wait_ready "$port" "$pid" 60; then log "$s: not answering, skipped (see $OUT/raw/$s.log)"; stop_pid "$pid"; continue; fi
    log "$s $w: warming up for ${WARMUP_SECS}s (mixed), then ${WORKLOAD_WARMUP_SECS}s of $w"
    loadgen --server "127.0.0.1:$port" --workload mix --outstanding 100 --duration "${WARMUP_SECS}s" --warmup 0 \
      --sockets 100 --label "$s-warmup" >/dev/null
    # then the workload about to be measured, for every server alike: a mixed warm-up alone left
    # nodedns's miss p99 shoulder cold (run 2), and one miss-only warm-up before everything left the
    # hit path running on code compiled for misses (run 3: hit CPU 1.21x of dnsdist's)
    loadgen --server "127.0.0.1:$port" --workload "$w" --outstanding 100 --duration "${WORKLOAD_WARMUP_SECS}s" \
      --warmup 0 --sockets 100 --label "$s-warmup-$w" >/dev/null
    ready+=("$s"); port_of[$s]=$port; pid_of[$s]=$pid
  done
  for ((k = 1; k <= RUNS; k++)); do
    for s in "${ready[@]}"; do
      saturate "$s" "$w" "${port_of[$s]}" "${pid_of[$s]}" "$k"
      latency "$s" "$w" "${port_of[$s]}" "${pid_of[$s]}" "$k"
    done
  done
  for s in "${ready[@]}"; do
    closed_loop "$s" "$w" "${port_of[$s]}" "${pid_of[$s]}"
    stop_pid "${pid_of[$s]}"
    for f in "$OUT/raw/$s.log" "$OUT/raw/$s-jvm.log"; do
      if [[ -f "$f" ]]; then mv "$f" "${f%.log}-$w.log"; fi
    done
  done
  unset port_of pid_of
done
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
log "results in $OUT ($((SECONDS - t_start)) s)"
"$here/report.sh" "$OUT"
if [[ "${DOCS:-0}" == 1 ]]; then
  DOCS=1 "$here/report.sh" "$OUT"
  log "docs/ rewritten from $OUT; its results directory is ignored by git: git add -f $OUT to commit it with them"
fi
log "done in $((SECONDS - t_start)) s"
