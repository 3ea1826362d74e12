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

# Builds BUILD_DIR when the jar is missing or older than the main sources. Tests are not even
# compiled (-Dmaven.test.skip): a half-edited test elsewhere must not stop a benchmark.
bench_build() {
  local java="$1" jar
  jar="$(ls "$bench_root/$BUILD_DIR"/nodedns-*.jar 2>/dev/null | grep -v -- '-sources' | head -n1 || true)"
  if [[ -z "$jar" || ! -d "$bench_root/$BUILD_DIR/lib" ]] || \
     [[ -n "$(find "$bench_root/src/main" "$bench_root/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]]; then
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
                 --enable-native-access=ALL-UNNAMED --add-opens=jdk.httpserver/sun.net.httpserver=ALL-UNNAMED)
