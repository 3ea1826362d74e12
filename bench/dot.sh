#!/usr/bin/env bash
# What forwarding over DNS-over-TLS costs beside UDP and TCP, loopback only: unbound (Debian
# package unbound) answers every name under bench.test. from local data (a static root zone: it
# never recurses) on a plain port and a DoT port with a certificate from a CA made here with
# openssl (keys in a scratch directory, deleted on exit); nodedns without a cache forwards every
# query to it over UDP, over TCP (force_tcp) and over TLS; dnsperf asks unique names for SECS
# seconds each. Prints queries per second and average latency per transport.
#   bench/dot.sh [SECS=10]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
secs="${1:-10}"
for tool in unbound openssl dnsperf; do
  command -v "$tool" >/dev/null || [[ -x "/usr/sbin/$tool" ]] || { echo "dot: $tool not installed (Debian package $tool)" >&2; exit 2; }
done
base="${BASE_PORT:-26300}" plain=$((base + 1)) dot=$((base + 2)) port=$((base + 10))
for p in "$plain" "$dot" "$port"; do if port_busy "$p"; then echo "dot: port $p is busy (BASE_PORT=...)" >&2; exit 2; fi; done
JAVA="$(find_java)"
bench_build "$JAVA"
tmp="$(mktemp -d)"
pids=()
bench_on_exit

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=bench CA" \
  -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=dot.test" \
  -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:dot.test\n' > "$tmp/ext"
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial -days 1 \
  -extfile "$tmp/ext" -out "$tmp/server.crt" 2>/dev/null

cat > "$tmp/unbound.conf" <<CONF
server:
  interface: 127.0.0.1@$plain
  interface: 127.0.0.1@$dot
  tls-port: $dot
  tls-service-key: "$tmp/server.key"
  tls-service-pem: "$tmp/server.crt"
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "$tmp"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  module-config: "iterator"
  do-ip6: no
  num-threads: 1
  access-control: 127.0.0.0/8 allow
  incoming-num-tcp: 1000
  # above half of these slots in use unbound cuts the idle timeout to 200 ms: each reused
  # connection would then be a new TLS handshake, which measures unbound, not forwarding
  local-zone: "." static
  local-zone: "bench.test." redirect
  local-data: "bench.test. 60 IN A 192.0.2.1"
remote-control:
  control-enable: no
CONF
"$(command -v unbound || echo /usr/sbin/unbound)" -d -c "$tmp/unbound.conf" > "$tmp/unbound.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do port_busy "$dot" && break; sleep 0.1; done

seq 1 500000 | sed 's/.*/q&.bench.test A/' > "$tmp/queries"
run() { # run LABEL FORWARD-LINE...
  local label="$1"; shift
  printf '.:%d {\n    bind 127.0.0.1\n    %b\n}\n' "$port" "$*" > "$tmp/Corefile"
  "$JAVA" "${bench_jvm_flags[@]}" -jar "$(bench_jar)" -quiet \
    -conf "$tmp/Corefile" > "$tmp/nodedns-$label.log" 2>&1 & local server=$!; pids+=("$server")
  for _ in $(seq 100); do port_busy "$port" && break; sleep 0.1; done
  dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/queries" -l 3 -c 10 -q 100 > /dev/null 2>&1 || true # warm-up (JIT, pools)
  local out; out="$(dnsperf -s 127.0.0.1 -p "$port" -d "$tmp/queries" -l "$secs" -c 10 -q 100 2>&1)"
  printf 'dot: %-4s qps %8s  avg latency %9s s  lost %s\n' "$label" \
    "$(awk '/Queries per second/ {print $4}' <<<"$out")" "$(awk '/Average Latency/ {print $4}' <<<"$out")" \
    "$(awk '/Queries lost/ {print $3}' <<<"$out")"
  grep -h "WARNING\|ERROR" "$tmp/nodedns-$label.log" | head -3 || true
  stop_pid "$server"; forget "$server"
}
run udp "forward . 127.0.0.1:$plain"
run tcp "forward . 127.0.0.1:$plain {\n        force_tcp\n    }"
run tls "forward . tls://127.0.0.1:$dot {\n        tls $tmp/ca.crt\n        tls_servername dot.test\n    }"
