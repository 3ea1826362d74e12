#!/usr/bin/env bash
# Memory of nodedns through a DNS-over-HTTPS connection churn and the idle time after it, loopback
# only (docs/operations.md "DNS over HTTPS under attack"): nodedns started by the image's launcher
# (deploy/image/nodedns, so with its JVM flags, NODEDNS_JAVA_OPTS appended) on whoami over UDP and
# an https:// block (a test CA made with openssl, deleted after); CLIENTS processes open connections
# for CHURN seconds, each sending the first bytes of a TLS ClientHello and closing (DohChurnTest's
# churn); then AFTER idle seconds. Prints VmRSS (/proc) and the heap (jcmd GC.heap_info:
# used/committed of the generations or regions) idle before, at the peak, and every 5 s after.
#   bench/doh-churn.sh [CHURN=15] [AFTER=30]
#   NODEDNS_JAVA_OPTS='-XX:+UseG1GC -XX:G1PeriodicGCInterval=5000' bench/doh-churn.sh
# IMAGE names a runtime tree (target/jlink from ./mvnw -Pjlink -DskipTests package); without it the
# launcher runs on the JDK that find_java picks, with the jar of BUILD_DIR (built if stale).
# Needs openssl, curl, python3, bc and the JDK's jcmd (beside its java).
# Knobs (env): CLIENTS (4), IDLE (10: seconds from start to the baseline), BASE_PORT (25600).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
churn="${1:-15}" after="${2:-30}"
CLIENTS="${CLIENTS:-4}" IDLE="${IDLE:-10}" port="${BASE_PORT:-25600}" doh=$((${BASE_PORT:-25600} + 1))
pids=() tmp="$(mktemp -d)"
bench_on_exit
JAVA="$(find_java)"
jcmd="$(dirname "$JAVA")/jcmd"
if [[ -n "${IMAGE:-}" ]]; then
  launcher="$(cd "$IMAGE" && pwd)/bin/nodedns"
else # the image's layout: bin/nodedns, runtime/, nodedns.jar (its Class-Path lib/ beside it)
  bench_build "$JAVA"
  mkdir -p "$tmp/image/bin"
  cp "$bench_root/deploy/image/nodedns" "$tmp/image/bin/nodedns"
  ln -s "$(dirname "$(dirname "$JAVA")")" "$tmp/image/runtime"
  ln -s "$(bench_jar)" "$tmp/image/nodedns.jar"
  ln -s "$bench_root/$BUILD_DIR/lib" "$tmp/image/lib"
  launcher="$tmp/image/bin/nodedns"
fi
for p in "$port" "$doh"; do if port_busy "$p"; then echo "doh-churn: port $p busy (BASE_PORT)" >&2; exit 1; fi; done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=bench CA" \
  -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=dns.test" \
  -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial -days 1 \
  -extfile <(printf 'subjectAltName=DNS:dns.test,IP:127.0.0.1') -out "$tmp/server.crt" 2>/dev/null
cat > "$tmp/Corefile" <<EOF
.:$port {
    bind 127.0.0.1
    whoami
}
https://.:$doh {
    bind 127.0.0.1
    tls $tmp/server.crt $tmp/server.key
    whoami
}
EOF

"$launcher" -conf "$tmp/Corefile" > "$tmp/server.log" 2>&1 & pids+=($!)
server=$!
doh_get() { # one DoH query on a new connection: its HTTP status
  curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/ca.crt" --resolve "dns.test:$doh:127.0.0.1" \
    -H 'accept: application/dns-message' "https://dns.test:$doh/dns-query?dns=AAABAAABAAAAAAAAAWEHZXhhbXBsZQNvcmcAAAEAAQ" || true
}
for _ in $(seq 150); do [[ "$(doh_get)" == 200 ]] && break; kill -0 "$server" || { cat "$tmp/server.log"; exit 1; }; sleep 0.2; done
for _ in $(seq 20); do doh_get >/dev/null; done
rss() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
heap() { # used/committed KiB of the heap: Serial's generations, or G1's heap line
  "$jcmd" "$server" GC.heap_info | awk '
    /(def new generation|tenured generation|DefNew|Tenured) +total/ { for (i = 1; i <= NF; i++) { if ($i == "total") t += $(i + 1); if ($i == "used") u += $(i + 1) } }
    /garbage-first heap +total/ { for (i = 1; i <= NF; i++) { if ($i == "committed") t += $(i + 1); if ($i == "used") u += $(i + 1) } }
    END { printf "%d/%d KiB", u, t }'
}
sleep "$IDLE"
echo "doh-churn: flags ${NODEDNS_JAVA_OPTS:-none added}"
echo "doh-churn: idle ${IDLE} s after start: VmRSS $(rss) KiB, heap $(heap)"

cat > "$tmp/churn.py" <<'EOF'
import socket, sys, time
port, end = int(sys.argv[1]), time.time() + float(sys.argv[2])
n = 0
while time.time() < end:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(b"\x16\x03\x01\x02\x00\x01")
        s.close()
        n += 1
    except OSError:
        pass  # the accept queue is full: the kernel refuses, as it should
print(n)
EOF
churners=()
for _ in $(seq "$CLIENTS"); do python3 "$tmp/churn.py" "$doh" "$churn" > "$(mktemp "$tmp/churn.XXXXXX.out")" & churners+=($!); pids+=($!); done
peak=0
for _ in $(seq $((churn * 5))); do r="$(rss)"; (( r > peak )) && peak=$r; sleep 0.2; done
for c in "${churners[@]}"; do wait "$c" || true; forget "$c"; done
r="$(rss)"; (( r > peak )) && peak=$r
echo "doh-churn: end of churn ($(cat "$tmp"/churn.*.out | paste -sd+ | bc) connections in $churn s): VmRSS peak $peak KiB, heap $(heap)"
for t in $(seq 5 5 "$after"); do
  sleep 5
  echo "doh-churn: $t s after: VmRSS $(rss) KiB, heap $(heap)"
done
echo "doh-churn: DoH on a new connection after: $(doh_get)"
grep -E 'full GC|WARN|ERROR' "$tmp/server.log" | sed 's/^/doh-churn: server: /' || true
