package io.nodedns.k8s;

import io.nodedns.tls.Pem;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One context of a kubeconfig file, read and checked completely: every field kubectl acts on for a
 * read-only client is either used or an error naming the file, the cluster or user entry and the
 * field; nothing is silently ignored (a credential that is dropped only shows as HTTP 401 later).
 *
 * <p>Our own reader rather than client-java's {@code KubeConfig}: that class (27.0.0) registers an OIDC
 * authenticator needing jose4j in its static initializer, reads EC and PKCS#1 keys through
 * BouncyCastle, accepts exec plugins of v1beta1 only and runs them once per client with no expiry,
 * reads tokenFile once, ignores tls-server-name and proxy-url, and logs an unknown auth-provider
 * instead of failing. The field names and semantics are kubectl's (clientcmd/api/v1 types).
 *
 * @param file the kubeconfig (absolute)
 * @param contextName the context used
 * @param clusterName its cluster entry
 * @param userName its user entry (null: no user, anonymous)
 * @param server the API server URL
 * @param caPem certificate-authority(-data): PEM of the CAs to trust, or null for the system's
 * @param insecure insecure-skip-tls-verify
 * @param tlsServerName tls-server-name: the name sent in SNI and checked in the server certificate
 * @param proxy proxy-url (http or socks5), or null
 * @param disableCompression disable-compression: ask for uncompressed responses
 * @param clientChain client-certificate(-data), with clientKey; null when not set
 * @param auth the request credential: token, tokenFile, basic or exec; null for none
 */
public record Kubeconfig(Path file, String contextName, String clusterName, String userName, URI server,
        byte[] caPem, boolean insecure, String tlsServerName, URI proxy, boolean disableCompression,
        List<X509Certificate> clientChain,
        PrivateKey clientKey, Auth auth) {

    /** How requests are authenticated (besides a client certificate, which may accompany any of them). */
    public sealed interface Auth permits Token, TokenFile, Basic, Exec {
    }

    public record Token(String token) implements Auth {
    }

    /** Re-read when the file changes (projected service-account tokens rotate). */
    public record TokenFile(Path path) implements Auth {
    }

    public record Basic(String username, String password) implements Auth {
    }

    /**
     * A client-go credential plugin.
     *
     * @param command resolved against the kubeconfig's directory when it holds a path separator
     * @param provideClusterInfo pass the cluster in KUBERNETES_EXEC_INFO
     */
    public record Exec(String apiVersion, String command, List<String> args, Map<String, String> env,
            String installHint, boolean provideClusterInfo) implements Auth {
    }

    static final String EXEC_V1 = "client.authentication.k8s.io/v1";
    static final String EXEC_V1BETA1 = "client.authentication.k8s.io/v1beta1";

    private static final Set<String> CLUSTER_FIELDS = Set.of("server", "certificate-authority",
            "certificate-authority-data", "insecure-skip-tls-verify", "tls-server-name", "proxy-url",
            "disable-compression", "extensions");
    private static final Set<String> USER_FIELDS = Set.of("client-certificate", "client-certificate-data",
            "client-key", "client-key-data", "token", "tokenFile", "username", "password", "exec",
            "auth-provider", "as", "as-uid", "as-groups", "as-user-extra", "extensions");
    private static final Set<String> EXEC_FIELDS = Set.of("command", "args", "env", "apiVersion",
            "installHint", "provideClusterInfo", "interactiveMode");

    /**
     * CoreDNS's {@code endpoint URL} with {@code tls CERT KEY CACERT} (any may be null): the same
     * client a kubeconfig with just these fields gives. Reads and checks the files now.
     */
    public static Kubeconfig endpoint(URI server, Path cert, Path key, Path ca) throws IOException {
        byte[] caPem = null;
        if (ca != null) {
            io.nodedns.tls.Pem.certificates(ca); // checked: PEM certificates, errors name the file
            caPem = Files.readAllBytes(ca);
        }
        List<X509Certificate> chain = cert == null ? null : io.nodedns.tls.Pem.certificates(cert);
        PrivateKey clientKey = key == null ? null : io.nodedns.tls.Pem.privateKey(key);
        if (chain != null) {
            try {
                io.nodedns.tls.Pem.checkPair(clientKey, chain.getFirst());
            } catch (IllegalArgumentException e) {
                throw new IOException(key + " does not belong to " + cert + ": " + e.getMessage(), e);
            }
        }
        return new Kubeconfig(null, "endpoint", server.toString(), cert == null ? null : cert.toString(), server, caPem,
                false, null, null, false, chain, clientKey, null);
    }

    /** Reads {@code file}'s {@code context} (null: its current-context). */
    public static Kubeconfig load(Path file, String context) throws IOException {
        Map<String, Object> doc;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Object o = new org.yaml.snakeyaml.Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(
                    new org.yaml.snakeyaml.LoaderOptions())).load(r);
            if (!(o instanceof Map<?, ?> m)) {
                throw new IOException("kubeconfig " + file + ": not a YAML mapping");
            }
            doc = cast(m);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("kubeconfig " + file + " does not exist", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("kubeconfig " + file + " cannot be read: permission denied", e);
        } catch (RuntimeException e) {
            throw new IOException("kubeconfig " + file + ": " + e.getMessage(), e);
        }
        try {
            return new Reading(file, doc).read(context);
        } catch (IllegalArgumentException e) {
            throw new IOException("kubeconfig " + file + ": " + e.getMessage(), e);
        }
    }

    /** The reading of one file: messages name the entry and field, {@link #load} prefixes the file. */
    private record Reading(Path file, Map<String, Object> doc) {
        Kubeconfig read(String context) {
            String ctxName = context != null ? context : string(doc, "current-context", "");
            if (ctxName == null || ctxName.isEmpty()) {
                throw new IllegalArgumentException("no current-context and no context given");
            }
            Map<String, Object> ctx = named("contexts", ctxName, "context");
            if (ctx == null) {
                throw new IllegalArgumentException("no context '" + ctxName + "'");
            }
            String clusterName = string(ctx, "cluster", "context '" + ctxName + "': ");
            Map<String, Object> cluster = clusterName == null ? null : named("clusters", clusterName, "cluster");
            if (cluster == null) {
                throw new IllegalArgumentException("context '" + ctxName + "': no cluster '" + clusterName + "'");
            }
            String where = "cluster '" + clusterName + "': ";
            unknown(cluster, CLUSTER_FIELDS, where);
            String server = string(cluster, "server", where);
            if (server == null || server.isBlank()) {
                throw new IllegalArgumentException(where + "server: not set");
            }
            URI serverUri = uri(server, where + "server", Set.of("http", "https"));
            byte[] ca = dataOrFile(cluster, "certificate-authority", where);
            if (ca != null) {
                checkMaterial(where + (cluster.containsKey("certificate-authority-data")
                        ? "certificate-authority-data"
                        : "certificate-authority"), () -> Pem.certificates(ca));
            }
            boolean insecure = bool(cluster, "insecure-skip-tls-verify", where);
            if (insecure && ca != null) { // kubectl refuses this pair too
                throw new IllegalArgumentException(where + "insecure-skip-tls-verify: set together with a"
                        + " certificate authority; use one of them");
            }
            String serverName = string(cluster, "tls-server-name", where);
            String proxy = string(cluster, "proxy-url", where);
            URI proxyUri = proxy == null || proxy.isEmpty()
                    ? null
                    : uri(proxy, where + "proxy-url", Set.of("http", "socks5"));
            boolean noCompression = bool(cluster, "disable-compression", where);

            String userName = ctx.get("user") == null ? null : string(ctx, "user", "context '" + ctxName + "': ");
            Map<String, Object> user = userName == null || userName.isEmpty()
                    ? Map.of()
                    : named("users", userName, "user");
            if (user == null) {
                throw new IllegalArgumentException("context '" + ctxName + "': no user '" + userName + "'");
            }
            String uw = "user '" + userName + "': ";
            unknown(user, USER_FIELDS, uw);
            for (String f : List.of("as", "as-uid", "as-groups", "as-user-extra")) {
                if (user.get(f) != null) {
                    throw new IllegalArgumentException(uw + f + ": impersonation is not supported");
                }
            }
            if (user.get("auth-provider") != null) {
                Object name = user.get("auth-provider") instanceof Map<?, ?> m ? m.get("name") : null;
                throw new IllegalArgumentException(uw + "auth-provider '" + name + "' is not supported (kubectl"
                        + " dropped its gcp and azure providers); use an exec credential plugin instead"
                        + " (gke-gcloud-auth-plugin, kubelogin, kubectl oidc-login)");
            }
            byte[] certPem = dataOrFile(user, "client-certificate", uw);
            byte[] keyPem = dataOrFile(user, "client-key", uw);
            if ((certPem == null) != (keyPem == null)) {
                throw new IllegalArgumentException(uw + (certPem == null
                        ? "client-key is set without client-certificate"
                        : "client-certificate is set without client-key"));
            }
            List<X509Certificate> chain = null;
            PrivateKey key = null;
            if (certPem != null) {
                String cf = user.containsKey("client-certificate-data")
                        ? "client-certificate-data"
                        : "client-certificate";
                String kf = user.containsKey("client-key-data") ? "client-key-data" : "client-key";
                chain = checkMaterial(uw + cf, () -> Pem.certificates(certPem));
                key = checkMaterial(uw + kf, () -> Pem.privateKey(keyPem));
                PrivateKey k = key;
                X509Certificate leaf = chain.getFirst();
                checkMaterial(uw + kf, () -> {
                    Pem.checkPair(k, leaf);
                    return null;
                });
            }
            Auth auth = auth(user, uw);
            return new Kubeconfig(file, ctxName, clusterName, userName, serverUri, ca, insecure,
                    serverName == null || serverName.isEmpty() ? null : serverName, proxyUri, noCompression, chain, key,
                    auth);
        }

        private Auth auth(Map<String, Object> user, String uw) {
            List<String> methods = new ArrayList<>();
            String token = string(user, "token", uw);
            String tokenFile = string(user, "tokenFile", uw);
            String username = string(user, "username", uw);
            String password = string(user, "password", uw);
            boolean hasToken = token != null && !token.isEmpty() || tokenFile != null && !tokenFile.isEmpty();
            boolean hasBasic = username != null && !username.isEmpty() || password != null && !password.isEmpty();
            if (hasToken) {
                methods.add("token");
            }
            if (hasBasic) {
                methods.add("username/password");
            }
            if (user.get("exec") != null) {
                methods.add("exec");
            }
            if (methods.size() > 1) { // as kubectl: one way to authenticate requests
                throw new IllegalArgumentException(
                        uw + "more than one authentication method: " + String.join(", ", methods));
            }
            if (token != null && !token.isEmpty()) {
                return new Token(token.strip()); // token wins over tokenFile, as in client-go
            }
            if (tokenFile != null && !tokenFile.isEmpty()) {
                Path p = relative(tokenFile);
                if (!Files.isReadable(p)) {
                    throw new IllegalArgumentException(uw + "tokenFile: cannot read " + p);
                }
                return new TokenFile(p);
            }
            if (hasBasic) {
                if (username == null || password == null) {
                    throw new IllegalArgumentException(uw + (username == null
                            ? "password is set without username"
                            : "username is set without password"));
                }
                return new Basic(username, password);
            }
            if (user.get("exec") != null) {
                return exec(user.get("exec"), uw + "exec: ");
            }
            return null;
        }

        private Exec exec(Object o, String where) {
            if (!(o instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException(where + "not a mapping");
            }
            Map<String, Object> e = cast(m);
            unknown(e, EXEC_FIELDS, where);
            String apiVersion = string(e, "apiVersion", where);
            if (!EXEC_V1.equals(apiVersion) && !EXEC_V1BETA1.equals(apiVersion)) {
                throw new IllegalArgumentException(where + "apiVersion: '" + apiVersion + "' is not supported (use "
                        + EXEC_V1 + " or " + EXEC_V1BETA1 + ")");
            }
            String command = string(e, "command", where);
            if (command == null || command.isEmpty()) {
                throw new IllegalArgumentException(where + "command: not set");
            }
            if (command.contains("/")) { // a relative path is relative to the kubeconfig, as in client-go
                command = relative(command).toString();
            }
            String mode = string(e, "interactiveMode", where);
            if (mode == null && EXEC_V1.equals(apiVersion)) {
                throw new IllegalArgumentException(where + "interactiveMode: required for " + EXEC_V1);
            }
            if ("Always".equals(mode)) {
                throw new IllegalArgumentException(where + "interactiveMode: Always needs a terminal, and nodedns"
                        + " runs plugins without one (use IfAvailable or Never)");
            }
            if (mode != null && !mode.equals("Never") && !mode.equals("IfAvailable")) {
                throw new IllegalArgumentException(where + "interactiveMode: '" + mode + "' is not one of Never,"
                        + " IfAvailable, Always");
            }
            List<String> args = new ArrayList<>();
            if (e.get("args") instanceof List<?> l) {
                for (Object a : l) {
                    args.add(String.valueOf(a));
                }
            } else if (e.get("args") != null) {
                throw new IllegalArgumentException(where + "args: not a list");
            }
            Map<String, String> env = new java.util.LinkedHashMap<>();
            if (e.get("env") instanceof List<?> l) {
                for (Object v : l) {
                    if (!(v instanceof Map<?, ?> kv) || !(kv.get("name") instanceof String n)) {
                        throw new IllegalArgumentException(where + "env: every entry needs a name and a value");
                    }
                    env.put(n, kv.get("value") == null ? "" : String.valueOf(kv.get("value")));
                }
            } else if (e.get("env") != null) {
                throw new IllegalArgumentException(where + "env: not a list");
            }
            return new Exec(apiVersion, command, List.copyOf(args), Map.copyOf(env), string(e, "installHint", where),
                    bool(e, "provideClusterInfo", where));
        }

        /** FIELD-data (base64) or FIELD (a path, relative to the kubeconfig); both is an error, as in kubectl. */
        private byte[] dataOrFile(Map<String, Object> m, String field, String where) {
            String data = string(m, field + "-data", where);
            String path = string(m, field, where);
            if (data != null && !data.isEmpty() && path != null && !path.isEmpty()) {
                throw new IllegalArgumentException(where + field + "-data and " + field + " are both set; use one");
            }
            if (data != null && !data.isEmpty()) {
                try {
                    return Base64.getDecoder().decode(data.replaceAll("\\s+", "")); // strict, as kubectl
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            where + field + "-data: not valid base64 (" + e.getMessage() + ")", e);
                }
            }
            if (path != null && !path.isEmpty()) {
                Path p = relative(path);
                try {
                    return Files.readAllBytes(p);
                } catch (IOException e) {
                    throw new IllegalArgumentException(where + field + ": cannot read " + p + " (" + e + ")", e);
                }
            }
            return null;
        }

        Path relative(String path) {
            Path p = Path.of(path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path);
            return p.isAbsolute() ? p : file.getParent().resolve(p).normalize();
        }

        private Map<String, Object> named(String list, String name, String field) {
            if (!(doc.get(list) instanceof List<?> entries)) {
                return null;
            }
            for (Object e : entries) {
                if (e instanceof Map<?, ?> m && name.equals(m.get("name"))) {
                    Object v = m.get(field);
                    if (v != null && !(v instanceof Map<?, ?>)) {
                        throw new IllegalArgumentException(field + " '" + name + "': not a mapping");
                    }
                    return v == null ? Map.of() : cast((Map<?, ?>) v);
                }
            }
            return null;
        }
    }

    private interface Check<T> {
        T run();
    }

    private static <T> T checkMaterial(String where, Check<T> c) {
        try {
            return c.run();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static void unknown(Map<String, Object> m, Set<String> known, String where) {
        for (String k : m.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException(where + k + ": unknown or unsupported field");
            }
        }
    }

    private static String string(Map<String, Object> m, String field, String where) {
        Object v = m.get(field);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw new IllegalArgumentException(where + field + ": not a string");
    }

    private static boolean bool(Map<String, Object> m, String field, String where) {
        Object v = m.get(field);
        if (v == null || v instanceof Boolean) {
            return Boolean.TRUE.equals(v);
        }
        throw new IllegalArgumentException(where + field + ": not true or false");
    }

    private static URI uri(String s, String where, Set<String> schemes) {
        try {
            URI u = new URI(s);
            if (u.getScheme() == null || !schemes.contains(u.getScheme().toLowerCase(java.util.Locale.ROOT))
                    || u.getHost() == null) {
                throw new IllegalArgumentException(where + ": '" + s + "' is not a "
                        + String.join(" or ", new java.util.TreeSet<>(schemes)) + " URL");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(where + ": '" + s + "' is not a URL (" + e.getMessage() + ")", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    /** The user entry and file, for messages: "user 'alice' in kubeconfig /etc/kube/config". */
    public String describeUser() {
        return "user '" + userName + "' in kubeconfig " + file;
    }
}
