package io.nodedns.k8stest;

import io.nodedns.testing.TestCa;
import io.nodedns.tls.Pem;
import java.net.InetAddress;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A throw-away PKI made at test time by {@link TestCa} (no private key is ever committed): a CA, the
 * stand-in's server certificate (for 127.0.0.1 and {@link #SERVER_NAME}) and client certificates
 * with RSA and EC keys, each key available as PEM in the encodings kubeconfigs carry. Made once per
 * test JVM, in-process (it took eleven keytool runs, 10-20 s of a loaded machine).
 */
public final class TestPki {
    public static final String SERVER_NAME = "api.standin.test";
    private static final String PASS = "changeit";
    private static TestPki instance;

    /** A certificate and its key. */
    public record Identity(X509Certificate cert, PrivateKey key) {
        public String certPem() {
            return pem("CERTIFICATE", encoded(cert));
        }

        /** PKCS#8: -----BEGIN PRIVATE KEY-----. */
        public String pkcs8Pem() {
            return pem("PRIVATE KEY", key.getEncoded());
        }

        /** RSA PKCS#1 (-----BEGIN RSA PRIVATE KEY-----) or EC SEC1 (-----BEGIN EC PRIVATE KEY-----), as openssl writes them. */
        public String traditionalPem() {
            byte[] p8 = key.getEncoded();
            Pem.Der outer = Pem.Der.read(p8, 0, 0x30);
            Pem.Der version = Pem.Der.read(p8, outer.start(), 0x02);
            Pem.Der alg = Pem.Der.read(p8, version.end(), 0x30);
            Pem.Der inner = Pem.Der.read(p8, alg.end(), 0x04);
            byte[] body = Arrays.copyOfRange(p8, inner.start(), inner.end());
            if (key.getAlgorithm().equals("RSA")) {
                return pem("RSA PRIVATE KEY", body);
            }
            // SEC1 with the curve named in [0], which the PKCS#8 form keeps in the AlgorithmIdentifier
            Pem.Der oid = Pem.Der.read(p8, alg.start(), 0x06);
            Pem.Der curve = Pem.Der.read(p8, oid.end(), 0x06);
            byte[] curveTlv = Arrays.copyOfRange(p8, curve.headerStart(), curve.end());
            Pem.Der ecOuter = Pem.Der.read(body, 0, 0x30);
            Pem.Der ecVersion = Pem.Der.read(body, ecOuter.start(), 0x02);
            Pem.Der d = Pem.Der.read(body, ecVersion.end(), 0x04);
            byte[] seq = concat(Arrays.copyOfRange(body, ecVersion.headerStart(), d.end()),
                    Pem.Der.tlv(0xa0, curveTlv));
            return pem("EC PRIVATE KEY", Pem.Der.tlv(0x30, seq));
        }
    }

    private final X509Certificate ca;
    private final Identity server;
    private final Identity rsaClient;
    private final Identity ecClient;
    private final Identity rogueClient;

    private TestPki() throws Exception {
        TestCa authority = new TestCa("standin-ca");
        this.ca = authority.cert();
        this.server = identity(authority.issue("kube-apiserver", List.of(SERVER_NAME),
                List.of(InetAddress.getByName("127.0.0.1"))));
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        this.rsaClient = identity(authority.issue("alice", rsa.generateKeyPair(), List.of(), List.of()));
        this.ecClient = identity(authority.issue("bob", List.of(), List.of()));
        this.rogueClient = identity(new TestCa("rogue-ca").issue("rogue", List.of(), List.of()));
    }

    private static Identity identity(TestCa.Issued issued) {
        return new Identity(issued.cert(), issued.key());
    }

    /** The PKI of this test JVM (made on first use). */
    public static synchronized TestPki get() {
        if (instance == null) {
            try {
                instance = new TestPki();
            } catch (Exception e) {
                throw new IllegalStateException("making the test PKI failed: " + e.getMessage(), e);
            }
        }
        return instance;
    }

    public X509Certificate ca() {
        return ca;
    }

    public String caPem() {
        return pem("CERTIFICATE", encoded(ca));
    }

    /** Served by the stand-in: SANs 127.0.0.1 and {@link #SERVER_NAME}, chained to the CA. */
    public Identity server() {
        return server;
    }

    /** CN=alice, RSA 2048 (the certificate signed by the CA's EC key). */
    public Identity rsaClient() {
        return rsaClient;
    }

    /** CN=bob, EC P-256. */
    public Identity ecClient() {
        return ecClient;
    }

    /** CN=rogue, issued by another CA. */
    public Identity rogueClient() {
        return rogueClient;
    }

    static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** The CA as a KeyStore of trusted certificates (for the server's client-certificate check). */
    KeyStore trustStore() throws Exception {
        KeyStore s = KeyStore.getInstance("PKCS12");
        s.load(null, null);
        s.setCertificateEntry("ca", ca);
        return s;
    }

    /** The server's key and chain as a KeyStore. */
    KeyStore serverKeyStore() throws Exception {
        KeyStore s = KeyStore.getInstance("PKCS12");
        s.load(null, null);
        s.setKeyEntry("server", server.key(), PASS.toCharArray(), new X509Certificate[]{server.cert(), ca});
        return s;
    }

    static char[] pass() {
        return PASS.toCharArray();
    }
}
