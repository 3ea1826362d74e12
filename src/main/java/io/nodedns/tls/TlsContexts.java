package io.nodedns.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * SSL contexts from CoreDNS's {@code tls} arguments (plugin/pkg/tls NewTLSConfigFromArgs): none
 * (system CAs, no client certificate), {@code CA}, {@code CERT KEY} (system CAs), or
 * {@code CERT KEY CA}. "System CAs" are what Go reads on Linux: {@code $SSL_CERT_FILE}, else the
 * first bundle of Go's list that exists; the JDK's own trust store only where none does.
 */
public final class TlsContexts {
    /** Go's crypto/x509 root bundle locations on Linux, in its order. */
    static final List<String> SYSTEM_BUNDLES = List.of(
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/ca-bundle.pem",
            "/etc/pki/tls/cacert.pem",
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
            "/etc/ssl/cert.pem");

    private TlsContexts() {}

    /** A context from 0 to 3 arguments as the forward plugin's {@code tls} option takes them. */
    public static SSLContext fromArgs(List<String> args) throws IOException {
        return switch (args.size()) {
            case 0 -> context(null, null, null);
            case 1 -> context(null, null, Path.of(args.get(0)));
            case 2 -> context(Path.of(args.get(0)), Path.of(args.get(1)), null);
            case 3 -> context(Path.of(args.get(0)), Path.of(args.get(1)), Path.of(args.get(2)));
            default -> throw new IOException("maximum of three arguments allowed for TLS config, found " + args.size());
        };
    }

    /**
     * @param cert this end's certificate chain (PEM), or null for none
     * @param key  its private key (PEM), with cert
     * @param ca   roots that verify the other end (PEM), or null for the system's
     */
    public static SSLContext context(Path cert, Path key, Path ca) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(cert == null ? null : keys(cert, key), trust(ca), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS setup: " + e.getMessage(), e);
        }
    }

    /**
     * A server context presenting {@code cert} that takes any client certificate unverified: Go's
     * RequestClientCert and RequireAnyClientCert check none, where the JDK's trust managers would.
     */
    public static SSLContext anyClient(Path cert, Path key) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys(cert, key), new TrustManager[]{new AnyClient()}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS setup: " + e.getMessage(), e);
        }
    }

    private static KeyManager[] keys(Path cert, Path key) throws IOException, GeneralSecurityException {
        List<X509Certificate> chain = readable(cert, "could not load TLS cert", Pem::certificates);
        PrivateKey pk = readable(key, "could not load TLS cert", Pem::privateKey);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", pk, new char[0], chain.toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        return kmf.getKeyManagers();
    }

    /** Accepts every client chain; a server context only (it never checks a server). */
    private static final class AnyClient implements javax.net.ssl.X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // RequestClientCert / RequireAnyClientCert: the certificate is taken as given
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("a server-side context verifies no server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    private interface Reader<T> {
        T read(Path p) throws IOException;
    }

    private static <T> T readable(Path p, String what, Reader<T> reader) throws IOException {
        try {
            return reader.read(p);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(what + ": open " + p + ": no such file or directory");
        } catch (IOException e) {
            throw new IOException(what + ": " + e.getMessage(), e);
        }
    }

    private static TrustManager[] trust(Path ca) throws IOException, GeneralSecurityException {
        Path bundle = ca;
        if (bundle == null) {
            bundle = systemBundle();
            if (bundle == null) {
                return null; // the JDK's default trust store
            }
        }
        List<X509Certificate> roots = ca != null
                ? readable(ca, "error reading " + ca, Pem::certificates)
                : Pem.certificates(bundle);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        for (int i = 0; i < roots.size(); i++) {
            ks.setCertificateEntry("ca" + i, roots.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf.getTrustManagers();
    }

    /** $SSL_CERT_FILE, else the first of Go's bundles that exists; null: none (use the JDK's). */
    static Path systemBundle() {
        String env = System.getenv("SSL_CERT_FILE");
        if (env != null && !env.isEmpty() && Files.isReadable(Path.of(env))) {
            return Path.of(env);
        }
        for (String s : SYSTEM_BUNDLES) {
            Path p = Path.of(s);
            if (Files.isReadable(p)) {
                return p;
            }
        }
        return null;
    }
}
