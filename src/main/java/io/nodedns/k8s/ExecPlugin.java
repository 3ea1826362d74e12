package io.nodedns.k8s;

import io.nodedns.tls.Pem;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client-go credential plugin (kubectl's {@code users[].user.exec}): runs the command, reads the
 * ExecCredential it prints (client.authentication.k8s.io v1 or v1beta1: a token, or a client
 * certificate and key) and keeps it until its {@code expirationTimestamp}, or until the server
 * answers 401, then runs the command again. One instance per kubeconfig user is shared by every
 * client built from it, so the plugin runs once per credential, not once per watcher.
 */
final class ExecPlugin {
    /** Refresh this long before the stated expiry, so a request never carries a token about to lapse. */
    static final Duration EARLY = Duration.ofSeconds(10);
    /** A plugin that has not answered by then is killed (an interactive prompt nobody will see). */
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final ConcurrentHashMap<String, ExecPlugin> SHARED = new ConcurrentHashMap<>();

    /** What the plugin returned: a token, or a client certificate chain and key; expiry null: until a 401. */
    record Credential(String token, List<X509Certificate> chain, PrivateKey key, Instant expiry) {
    }

    private final Kubeconfig config;
    private final Kubeconfig.Exec exec;
    private final AtomicLong runs = new AtomicLong();
    private Credential current;

    private ExecPlugin(Kubeconfig config) {
        this.config = config;
        this.exec = (Kubeconfig.Exec) config.auth();
    }

    static ExecPlugin shared(Kubeconfig config) {
        String key = config.file() + "#" + config.userName() + "#" + config.server() + "#" + config.auth();
        return SHARED.computeIfAbsent(key, k -> new ExecPlugin(config));
    }

    /** The cached credential, or a fresh one when there is none or it (nearly) expired. */
    synchronized Credential get() throws IOException {
        Credential c = current;
        if (c == null || c.expiry() != null && Instant.now().isAfter(c.expiry().minus(EARLY))) {
            current = c = run();
        }
        return c;
    }

    /** The server refused {@code used}: run the plugin again unless another request already did. */
    synchronized Credential rejected(Credential used) throws IOException {
        if (current == used) {
            current = run();
        }
        return current;
    }

    long runs() {
        return runs.get();
    }

    private Credential run() throws IOException {
        runs.incrementAndGet();
        List<String> argv = new ArrayList<>();
        argv.add(exec.command());
        argv.addAll(exec.args());
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(exec.env());
        pb.environment().put("KUBERNETES_EXEC_INFO", execInfo());
        String what = "exec plugin '" + exec.command() + "' of " + config.describeUser();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException(what + ": cannot run: " + e.getMessage()
                    + (exec.installHint() == null ? "" : "; " + exec.installHint().strip()), e);
        }
        try {
            // stderr is read beside stdout so a chatty plugin cannot block on a full pipe
            var err = Thread.ofVirtual().start(() -> drain(p.getErrorStream()));
            byte[] out = p.getInputStream().readNBytes(1 << 20);
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + ": no answer within " + TIMEOUT.toSeconds() + " s");
            }
            err.join(1000);
            if (p.exitValue() != 0) {
                throw new IOException(what + ": exit status " + p.exitValue() + stderrTail());
            }
            return parse(new String(out, StandardCharsets.UTF_8), what);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(what + ": interrupted", e);
        } finally {
            p.destroy();
        }
    }

    private volatile String stderr = ""; // the last run's, for the error message

    private void drain(InputStream in) {
        try {
            byte[] b = in.readAllBytes();
            String s = new String(b, StandardCharsets.UTF_8).strip().replaceAll("[\\r\\n\\t]+", " ");
            stderr = s.length() > 300 ? "..." + s.substring(s.length() - 300) : s;
        } catch (IOException e) {
            stderr = "";
        }
    }

    private String stderrTail() {
        String s = stderr;
        return s.isEmpty() ? "" : ": " + s;
    }

    /** KUBERNETES_EXEC_INFO: the ExecCredential spec client-go passes (never interactive here). */
    private String execInfo() {
        JsonObject spec = new JsonObject();
        spec.addProperty("interactive", false);
        if (exec.provideClusterInfo()) {
            JsonObject cluster = new JsonObject();
            cluster.addProperty("server", config.server().toString());
            if (config.tlsServerName() != null) {
                cluster.addProperty("tls-server-name", config.tlsServerName());
            }
            if (config.insecure()) {
                cluster.addProperty("insecure-skip-tls-verify", true);
            }
            if (config.caPem() != null) {
                cluster.addProperty("certificate-authority-data", Base64.getEncoder().encodeToString(config.caPem()));
            }
            if (config.proxy() != null) {
                cluster.addProperty("proxy-url", config.proxy().toString());
            }
            spec.add("cluster", cluster);
        }
        JsonObject o = new JsonObject();
        o.addProperty("apiVersion", exec.apiVersion());
        o.addProperty("kind", "ExecCredential");
        o.add("spec", spec);
        return o.toString();
    }

    private Credential parse(String out, String what) throws IOException {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(out);
            if (!e.isJsonObject()) {
                throw new IOException(what + ": printed no ExecCredential object");
            }
            o = e.getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException(what + ": printed no valid JSON (" + e.getMessage() + ")", e);
        }
        if (!"ExecCredential".equals(Json.string(o, "kind"))) {
            throw new IOException(what + ": printed kind '" + Json.string(o, "kind") + "', not ExecCredential");
        }
        if (!exec.apiVersion().equals(Json.string(o, "apiVersion"))) {
            throw new IOException(what + ": printed apiVersion '" + Json.string(o, "apiVersion")
                    + "', the kubeconfig asks for " + exec.apiVersion());
        }
        JsonObject status = Json.object(o, "status");
        if (status == null) {
            throw new IOException(what + ": ExecCredential without status");
        }
        Instant expiry = null;
        String exp = Json.string(status, "expirationTimestamp");
        if (exp != null && !exp.isEmpty()) {
            try {
                expiry = OffsetDateTime.parse(exp).toInstant();
            } catch (RuntimeException e) {
                throw new IOException(what + ": status.expirationTimestamp '" + exp + "' is not RFC 3339", e);
            }
        }
        String token = Json.string(status, "token");
        String cert = Json.string(status, "clientCertificateData");
        String key = Json.string(status, "clientKeyData");
        if ((cert == null) != (key == null)) {
            throw new IOException(what + ": status has " + (cert == null
                    ? "clientKeyData without clientCertificateData"
                    : "clientCertificateData without clientKeyData"));
        }
        if (token != null && !token.isEmpty()) {
            if (cert != null) {
                throw new IOException(what + ": status has both a token and a client certificate");
            }
            return new Credential(token, null, null, expiry);
        }
        if (cert == null) {
            throw new IOException(what + ": status has neither token nor clientCertificateData/clientKeyData");
        }
        try {
            List<X509Certificate> chain = Pem.certificates(cert.getBytes(StandardCharsets.UTF_8));
            PrivateKey pk = Pem.privateKey(key.getBytes(StandardCharsets.UTF_8));
            Pem.checkPair(pk, chain.getFirst());
            return new Credential(null, chain, pk, expiry);
        } catch (IllegalArgumentException e) {
            throw new IOException(what + ": status.clientCertificateData/clientKeyData: " + e.getMessage(), e);
        }
    }
}
