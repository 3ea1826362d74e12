package io.nodedns.k8stest;

import io.nodedns.tls.Pem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made at test time with the JDK's keytool (no private key is ever committed): a CA,
 * the stand-in's server certificate (for 127.0.0.1 and {@link #SERVER_NAME}) and client certificates
 * with RSA and EC keys, each key available as PEM in the encodings kubeconfigs carry. Made once per
 * test JVM (about ten keytool runs).
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

    private final Path dir;
    private final X509Certificate ca;
    private final Identity server;
    private final Identity rsaClient;
    private final Identity ecClient;
    private final Identity rogueClient;

    private TestPki(Path dir) throws Exception {
        this.dir = dir;
        Path ks = dir.resolve("pki.p12");
        keytool(ks, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=standin-ca",
                "-ext", "bc:c", "-validity", "3");
        keytool(ks, "-genkeypair", "-alias", "rogue", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=rogue",
                "-validity", "3");
        KeyStore store = load(ks);
        this.ca = (X509Certificate) store.getCertificate("ca");
        this.server = new Identity(signed(ks, "server", "EC", "CN=kube-apiserver",
                "san=dns:" + SERVER_NAME + ",ip:127.0.0.1"), (PrivateKey) key(ks, "server"));
        this.rsaClient = new Identity(signed(ks, "alice", "RSA", "CN=alice,O=system:masters", null),
                (PrivateKey) key(ks, "alice"));
        this.ecClient = new Identity(signed(ks, "bob", "EC", "CN=bob", null), (PrivateKey) key(ks, "bob"));
        this.rogueClient = new Identity((X509Certificate) store.getCertificate("rogue"), (PrivateKey) key(ks, "rogue"));
    }

    /** The PKI of this test JVM (made on first use). */
    public static synchronized TestPki get() {
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory("nodedns-pki");
                dir.toFile().deleteOnExit();
                instance = new TestPki(dir);
            } catch (Exception e) {
                throw new IllegalStateException("making the test PKI with keytool failed: " + e.getMessage(), e);
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

    /** CN=alice, RSA 2048. */
    public Identity rsaClient() {
        return rsaClient;
    }

    /** CN=bob, EC P-256. */
    public Identity ecClient() {
        return ecClient;
    }

    /** CN=rogue, self-signed: not issued by the CA. */
    public Identity rogueClient() {
        return rogueClient;
    }

    private X509Certificate signed(Path ks, String alias, String alg, String dname, String ext) throws Exception {
        if (alg.equals("RSA")) {
            keytool(ks, "-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-dname", dname,
                    "-validity", "3");
        } else {
            keytool(ks, "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
                    "-validity", "3");
        }
        Path csr = dir.resolve(alias + ".csr");
        Path crt = dir.resolve(alias + ".crt");
        keytool(ks, "-certreq", "-alias", alias, "-file", csr.toString());
        List<String> args = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-infile", csr.toString(),
                "-outfile", crt.toString(), "-rfc", "-validity", "3"));
        if (ext != null) {
            args.addAll(List.of("-ext", ext));
        }
        keytool(ks, args.toArray(String[]::new));
        try (InputStream in = Files.newInputStream(crt)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static Object key(Path ks, String alias) throws Exception {
        return load(ks).getKey(alias, PASS.toCharArray());
    }

    private static KeyStore load(Path ks) throws Exception {
        KeyStore s = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            s.load(in, PASS.toCharArray());
        }
        return s;
    }

    private static void keytool(Path ks, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", PASS, "-keypass", PASS,
                "-noprompt", "-J-Xshare:auto", "-J-XX:TieredStopAtLevel=1"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + ": " + new String(out, StandardCharsets.UTF_8));
        }
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
