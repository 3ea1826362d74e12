# Shared by bench/*.sh (sourced): find a JDK >= 25 the way ./nodedns does, build into BUILD_DIR.
# shellcheck shell=bash
bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-target-bench}" # never target/: other builds and the ./nodedns launcher own it
min_java=25

java_major() { # feature version of the java binary $1, or 0
  local v
  v="$("$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')" || true
  [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

find_java() {
  local c
  for c in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java 2>/dev/null || true)" \
           /usr/lib/jvm/*/bin/java /usr/java/*/bin/java /opt/java/*/bin/java /opt/*/bin/java \
           "$HOME"/.sdkman/candidates/java/*/bin/java; do
    [[ -n "$c" && -x "$c" ]] || continue
    if (( $(java_major "$c") >= min_java )); then echo "$c"; return 0; fi
  done
  echo "bench: no Java $min_java or newer found (JAVA_HOME, PATH, /usr/lib/jvm/*)" >&2
  return 1
}

# True when JAR is missing or older than the main sources, pom.xml or any further PATH given.
bench_stale() { # bench_stale JAR [PATH...]
  local jar="$1"; shift
  [[ -z "$jar" || ! -e "$jar" ]] ||
    [[ -n "$(find "$bench_root/src/main" "$bench_root/pom.xml" "$@" -newer "$jar" -print -quit 2>/dev/null)" ]]
}

# Builds BUILD_DIR when the jar is missing or older than the main sources. Tests are not even
# compiled (-Dmaven.test.skip): a half-edited test elsewhere must not stop a benchmark.
bench_build() {
  local java="$1" jar
  jar="$(ls "$bench_root/$BUILD_DIR"/nodedns-*.jar 2>/dev/null | grep -v -- '-sources' | head -n1 || true)"
  if [[ ! -d "$bench_root/$BUILD_DIR/lib" ]] || bench_stale "$jar"; then
    echo "bench: building into $BUILD_DIR ..." >&2
    (cd "$bench_root" && JAVA_HOME="$(dirname "$(dirname "$java")")" \
      ./mvnw -B -q -Dbuild.dir="$BUILD_DIR" -Dmaven.test.skip=true package) >&2
  fi
}

bench_jar() {
  ls "$bench_root/$BUILD_DIR"/nodedns-*.jar | grep -v -- '-sources' | head -n1
}

# The JVM flags our code needs (pom.xml jvm.flags).
bench_jvm_flags=(--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
                 --enable-native-access=ALL-UNNAMED)

# --- processes and sockets ---------------------------------------------------------------------
# A script records every process it starts in its array pids and its scratch directory in tmp;
# bench_on_exit arms their cleanup for any exit, Ctrl-C included.
bench_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi
}
bench_on_exit() { trap bench_cleanup EXIT; trap 'exit 130' INT TERM; }

forget() { # drop a process that has ended from pids, so that a reused pid is never killed
  local p keep=()
  for p in "${pids[@]}"; do [[ "$p" == "$1" ]] || keep+=("$p"); done
  pids=("${keep[@]}")
}

stop_pid() { # SIGTERM, up to 5 s to exit, then SIGKILL
  kill "$1" 2>/dev/null || true
  local i; for i in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

port_busy() { # a bound UDP socket or a TCP listener on this port would answer in the server's place
  awk -v p="$(printf ':%04X' "$1")" 'FNR > 1 && substr($2, length($2) - 4) == p && (FILENAME ~ /udp/ || $4 == "0A") {f = 1}
    END {exit !f}' /proc/net/udp /proc/net/udp6 /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; } # value of key $1 in a LoadGenerator RESULT line

# The node-local-dns ConfigMap's Corefile (deploy/nodelocaldns.yaml), rendered the installer's way
# for a loopback test: four blocks listening on 127.0.0.1:PORT, health on PORT+2, ready on PORT+3,
# prometheus on PORT+4, every block forwarding to UPSTREAM (ADDR:PORT).
nodelocaldns_corefile() { # nodelocaldns_corefile PORT UPSTREAM
  local port="$1" up="$2" out
  out="$(awk '/^  Corefile: \|/ {on=1; next} on && /^---/ {exit} on {sub(/^    /, ""); print}' "$bench_root/deploy/nodelocaldns.yaml" |
    sed -e "s/__PILLAR__DNS__DOMAIN__/cluster.local/; s/:53 {/:$port {/; s/__PILLAR__LOCAL__DNS__ __PILLAR__DNS__SERVER__/127.0.0.1/" \
        -e "s/__PILLAR__LOCAL__DNS__:8080/127.0.0.1:$((port + 2))/; s/__PILLAR__LOCAL__DNS__:8181/127.0.0.1:$((port + 3))/" \
        -e "s/prometheus :9253/prometheus 127.0.0.1:$((port + 4))/; s/__PILLAR__CLUSTER__DNS__/$up/; s/__PILLAR__UPSTREAM__SERVERS__/$up/")"
  if [[ -z "$out" || "$out" == *__PILLAR__* ]]; then
    echo "bench: deploy/nodelocaldns.yaml's Corefile did not render (a new __PILLAR__ or a changed layout?)" >&2
    return 1
  fi
  printf '%s\n' "$out"
}
