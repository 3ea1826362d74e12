package io.nodedns.k8s;

import io.nodedns.tls.Pem;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.ConnectionPool;
import okhttp3.Credentials;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * An ApiClient for one {@link Kubeconfig}: its own OkHttp client with the cluster's trust, the
 * user's client certificate (from the file or an exec plugin), tls-server-name, proxy-url and a
 * request interceptor that adds the current credential to every request. The interceptor, not
 * client-java's {@code Authentication}, so a rotated tokenFile or a refreshed exec credential is
 * used by the very next request (client-java applies an Authentication once per ApiClient).
 */
final class KubeHttp {
    private KubeHttp() {}

    static ApiClient client(Kubeconfig k) throws IOException {
        ConnectionPool pool = new ConnectionPool();
        OkHttpClient.Builder b = new OkHttpClient.Builder().connectionPool(pool)
                .connectTimeout(5, TimeUnit.SECONDS).readTimeout(30, TimeUnit.SECONDS);
        ClientKey clientKey = new ClientKey();
        if (k.clientChain() != null) {
            clientKey.set(k.clientChain(), k.clientKey());
        }
        if ("https".equalsIgnoreCase(k.server().getScheme())) {
            try {
                X509TrustManager trust = k.insecure() ? TRUST_ALL : trust(k.caPem());
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(new KeyManager[]{clientKey}, new TrustManager[]{trust}, null);
                SSLSocketFactory f = ctx.getSocketFactory();
                if (k.tlsServerName() != null && !k.insecure()) {
                    f = new ServerName(f, k.tlsServerName());
                }
                b.sslSocketFactory(f, trust);
            } catch (GeneralSecurityException e) {
                throw new IOException("kubeconfig " + k.file() + ": TLS setup: " + e.getMessage(), e);
            }
            if (k.insecure()) {
                b.hostnameVerifier((host, session) -> true);
            } else if (k.tlsServerName() != null) {
                String name = k.tlsServerName(); // the certificate is checked for this name, not the URL's host
                b.hostnameVerifier(
                        (host, session) -> okhttp3.internal.tls.OkHostnameVerifier.INSTANCE.verify(name, session));
            }
        }
        if (k.proxy() != null) {
            boolean socks = k.proxy().getScheme().equalsIgnoreCase("socks5");
            int port = k.proxy().getPort() > 0 ? k.proxy().getPort() : socks ? 1080 : 80;
            b.proxy(new Proxy(socks ? Proxy.Type.SOCKS : Proxy.Type.HTTP,
                    InetSocketAddress.createUnresolved(k.proxy().getHost(), port)));
            String info = k.proxy().getRawUserInfo();
            if (info != null && !socks) {
                String[] up = java.net.URLDecoder.decode(info, StandardCharsets.UTF_8).split(":", 2);
                String basic = Credentials.basic(up[0], up.length > 1 ? up[1] : "");
                b.proxyAuthenticator((route, response) -> response.request().header("Proxy-Authorization") != null
                        ? null
                        : response.request().newBuilder().header("Proxy-Authorization", basic).build());
            } else if (info != null) {
                throw new IOException("kubeconfig " + k.file() + ": cluster '" + k.clusterName()
                        + "': proxy-url: credentials in a socks5 URL are not supported");
            }
        }
        b.addInterceptor(new Auth(k, clientKey, pool));
        ApiClient c = new ApiClient(b.build());
        c.setBasePath(stripSlash(k.server().toString()));
        return c;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static X509TrustManager trust(byte[] caPem) throws GeneralSecurityException, IOException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (caPem == null) {
            tmf.init((KeyStore) null); // the system's roots, as kubectl without a CA
        } else {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (X509Certificate c : Pem.certificates(caPem)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            tmf.init(ks);
        }
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509TrustManager");
    }

    private static final X509TrustManager TRUST_ALL = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };

    /** Adds the credential to each request; on 401 refreshes an exec credential or tokenFile and tries once more. */
    private static final class Auth implements Interceptor {
        private final Kubeconfig k;
        private final ClientKey clientKey;
        private final ConnectionPool pool;
        private final ExecPlugin exec;
        private final String fixed; // token or basic: never changes
        private String fileToken;
        private FileTime fileTime;

        Auth(Kubeconfig k, ClientKey clientKey, ConnectionPool pool) {
            this.k = k;
            this.clientKey = clientKey;
            this.pool = pool;
            this.exec = k.auth() instanceof Kubeconfig.Exec ? ExecPlugin.shared(k) : null;
            this.fixed = switch (k.auth()) {
                case Kubeconfig.Token t -> "Bearer " + t.token();
                case Kubeconfig.Basic basic -> "Basic " + Base64.getEncoder().encodeToString(
                        (basic.username() + ":" + basic.password()).getBytes(StandardCharsets.UTF_8));
                case null, default -> null;
            };
        }

        @Override
        public Response intercept(Chain chain) throws IOException {
            Request r = chain.request();
            if (k.disableCompression() && r.header("Accept-Encoding") == null) {
                r = r.newBuilder().header("Accept-Encoding", "identity").build();
            }
            if (exec != null) {
                ExecPlugin.Credential c = exec.get();
                Response resp = chain.proceed(withExec(r, c));
                if (resp.code() != 401) {
                    return resp;
                }
                resp.close();
                return chain.proceed(withExec(r, exec.rejected(c)));
            }
            if (k.auth() instanceof Kubeconfig.TokenFile tf) {
                return chain.proceed(bearer(r, fileToken(tf.path())));
            }
            return chain.proceed(fixed == null ? r : r.newBuilder().header("Authorization", fixed).build());
        }

        private Request withExec(Request r, ExecPlugin.Credential c) {
            if (c.token() != null) {
                return bearer(r, c.token());
            }
            if (clientKey.set(c.chain(), c.key())) {
                pool.evictAll(); // idle connections still present the old certificate
            }
            return r;
        }

        private static Request bearer(Request r, String token) {
            return r.newBuilder().header("Authorization", "Bearer " + token).build();
        }

        /** The file's token, re-read whenever its modification time changes (rotated tokens). */
        private synchronized String fileToken(Path p) throws IOException {
            FileTime t;
            try {
                t = Files.getLastModifiedTime(p);
                if (fileToken == null || !t.equals(fileTime)) {
                    fileToken = Files.readString(p, StandardCharsets.UTF_8).strip();
                    fileTime = t;
                }
            } catch (IOException e) {
                throw new IOException("tokenFile " + p + " of " + k.describeUser() + ": " + e.getMessage(), e);
            }
            return fileToken;
        }
    }

    /** The client certificate offered in TLS handshakes; replaced when an exec plugin issues a new one. */
    static final class ClientKey extends X509ExtendedKeyManager {
        private static final String ALIAS = "client";
        private volatile X509Certificate[] chain;
        private volatile PrivateKey key;

        /** Returns true if this changed the certificate. */
        synchronized boolean set(List<X509Certificate> chain, PrivateKey key) {
            X509Certificate[] next = chain.toArray(X509Certificate[]::new);
            if (java.util.Arrays.equals(next, this.chain) && key.equals(this.key)) {
                return false;
            }
            this.key = key;
            this.chain = next;
            return true;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return chain == null ? null : ALIAS;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return chain == null ? null : ALIAS;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return chain == null ? null : new String[]{ALIAS};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    /** Connects to the URL's address but names {@code name} in SNI (tls-server-name). */
    private static final class ServerName extends SSLSocketFactory {
        private final SSLSocketFactory d;
        private final String name;

        ServerName(SSLSocketFactory d, String name) {
            this.d = d;
            this.name = name;
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return d.createSocket(s, name, port, autoClose);
        }

        @Override
        public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
            return d.createSocket(s, consumed, autoClose);
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return d.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return d.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return d.createSocket(host, port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return d.createSocket(host, port, localHost, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return d.createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return d.createSocket(address, port, localAddress, localPort);
        }
    }
}
