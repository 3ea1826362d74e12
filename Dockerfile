# nodedns image (docs/operations.md "Image"). Build and push your own (no image is published):
#   docker build -t REGISTRY/nodedns:TAG . && docker push REGISTRY/nodedns:TAG
# No Docker engine exists on the project's build machines, so this file is not built there; the
# runtime it ships is: `./mvnw -Pjlink verify` builds the same target/jlink tree with the same
# script and starts nodedns from it (JlinkRuntimeTest).

# 1. Build: the jar, its dependencies and a jlink runtime with only the modules nodedns uses.
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline || true
COPY bench/lib.sh bench/lib.sh
COPY deploy/image/ deploy/image/
COPY src/main/ src/main/
RUN ./mvnw -B -q -Pjlink -Dmaven.test.skip=true package && test -x target/jlink/bin/nodedns

# 2. Run: a slim Debian with what nodecache drives (ip, iptables in both backends).
FROM debian:trixie-slim
# The iptables package ships iptables-legacy and iptables-nft; nodecache picks the node's backend
# itself (KUBE-IPTABLES-HINT / KUBE-KUBELET-CANARY, else the one with more rules), like
# iptables-wrappers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 iptables \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 65532 --no-create-home --shell /usr/sbin/nologin nodedns
# With the AOT cache of the build's training run (nodedns.aot): the JVM uses it only while the jar
# and the runtime keep the size and modification time they had there; else it starts without it.
# Check an image with: docker run -e NODEDNS_JAVA_OPTS=-XX:AOTMode=on IMAGE -version
COPY --from=build /src/target/jlink/ /opt/nodedns/
# Root by default, as node-cache: the node-local-dns DaemonSet only adds NET_ADMIN, and Kubernetes
# gives added capabilities to root processes only (no ambient capabilities for other users);
# node-cache mode also writes -conf (/etc/Corefile) and binds port 53. Without network setup
# (kubeforward on a high port, a local cache) run as the unprivileged user: `docker run --user
# 65532` or securityContext.runAsUser: 65532.
ENTRYPOINT ["/opt/nodedns/bin/nodedns"]
# With no arguments: the default config (loopback :1053, cache, forward to /etc/resolv.conf).
CMD []
