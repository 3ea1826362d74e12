#!/usr/bin/env bash
# Runs the README's first command, `./nodedns`, exactly as written, inside a fresh network namespace
# whose /etc/resolv.conf points at a loopback stub upstream (ip netns exec bind-mounts
# /etc/netns/NAME/resolv.conf), then queries it. Needs root and iproute2; skips cleanly otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "$(id -u)" != 0 ]] || ! command -v ip >/dev/null; then
  echo "readme-smoke: SKIPPED (needs root and iproute2)"; exit 0
fi
ns="nodedns-readme-$$"
log="$(mktemp)"
cleanup() {
  ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
  sleep 0.5
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "/etc/netns/$ns" "$log"
}
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
mkdir -p "/etc/netns/$ns"
echo "nameserver 127.0.0.1" > "/etc/netns/$ns/resolv.conf"
ip netns exec "$ns" python3 .ci/stub_upstream.py 127.0.0.1 53 &
ip netns exec "$ns" ./nodedns >"$log" 2>&1 &
ok=""
for _ in $(seq 1 120); do
  sleep 0.5
  reply="$(ip netns exec "$ns" python3 - <<'PY' 2>/dev/null || true
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x07example\x03org\x00" + struct.pack(">HH", 1, 1)
s.sendto(q, ("127.0.0.1", 1053))
r = s.recv(512)
print("rcode=%d answers=%d ip=%s" % (r[3] & 15, struct.unpack(">H", r[6:8])[0], ".".join(str(b) for b in r[-4:])))
PY
)"
  if [[ "$reply" == "rcode=0 answers=1 ip=192.0.2.53" ]]; then ok=1; break; fi
done
if [[ -z "$ok" ]]; then
  echo "readme-smoke: FAILED; nodedns output:"; cat "$log"; exit 1
fi
ip netns exec "$ns" curl -fsS http://127.0.0.1:8080/health >/dev/null
echo "readme-smoke: ./nodedns answered example.org A 192.0.2.53 through its cache and forward (netns $ns)"
