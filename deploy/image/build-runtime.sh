#!/usr/bin/env bash
# Builds the nodedns runtime tree that the image ships as /opt/nodedns (the Maven profile `jlink`
# calls this; so does the Dockerfile's build stage, through the profile):
#   OUT/runtime/     jlink image of a JDK >= 25 with only MODULES (comma-separated)
#   OUT/nodedns.jar  the server; OUT/lib/ its dependencies (the jar's Class-Path points there)
#   OUT/bin/nodedns  the entry point (deploy/image/nodedns)
#   OUT/nodedns.aot  the AOT cache (JEP 483/514/515) of a training run on this runtime: synthetic
#                    queries through a loopback-only pipeline (io.nodedns.Warmup; nothing leaves
#                    127.0.0.1), with the entry point's JVM flags and class path
# usage: build-runtime.sh MODULES JAR LIBDIR OUT
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ $# -eq 4 ]] || { echo "usage: $0 MODULES JAR LIBDIR OUT" >&2; exit 2; }
modules="$1" jar="$2" lib="$3" out="$4"
# shellcheck source=../../bench/lib.sh
source "$here/../../bench/lib.sh"
java="$(find_java)"
jdk="$(dirname "$(dirname "$(readlink -f "$java")")")"
[[ -x "$jdk/bin/jlink" ]] || { echo "build-runtime: $jdk has no bin/jlink (a JRE?); set JAVA_HOME to a JDK >= 25" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/bin"
# --strip-debug/--no-*: nothing a server needs; zip-6 trades a little startup for ~40% less disk
# (the AOT cache below serves nearly every class without reading the jimage). No default CDS
# archive (--generate-cds-archive, +28 MB): the AOT cache holds the JDK's classes too, and only a
# cache that does not match would fall back to it. Works from a JDK without jmods/ too (JEP 493,
# JDK 24+), as the Temurin 25 images are.
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --output "$out/runtime"
cp "$jar" "$out/nodedns.jar"
cp -r "$lib" "$out/lib"
install -m 0755 "$here/nodedns" "$out/bin/nodedns"
# The training run (JEP 514: one step, the JVM records then assembles the cache in a child JVM).
if ! NODEDNS_JAVA_OPTS="" "$out/bin/nodedns" --aot-training > "$out/aot-training.log" 2>&1 || [[ ! -s "$out/nodedns.aot" ]]; then
  cat "$out/aot-training.log" >&2
  echo "build-runtime: the AOT training run failed" >&2
  exit 1
fi
grep -h 'training run:' "$out/aot-training.log" | sed 's/^/build-runtime: /'
rm "$out/aot-training.log"
echo "build-runtime: $out ($(du -sh "$out/runtime" | cut -f1) runtime, $(du -sh "$out/nodedns.aot" | cut -f1) AOT cache, $(du -sh "$out" | cut -f1) in all) from $jdk"
