package io.nodedns.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate authority made at test time with JDK APIs only (EC P-256 keys, X.509 v3 written
 * as DER by hand): nothing is committed, every run has fresh keys. Issues server and client
 * certificates with chosen DNS and IP subject alternative names, and writes PEM files the way an
 * operator would hand them to the Corefile's {@code tls} options.
 */
public final class TestCa {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime() & 0xFFFFFFFL);
    private static final String ECDSA_SHA256 = "1.2.840.10045.4.3.2";

    private final String name;
    private final KeyPair keys;
    private final X509Certificate cert;

    /** One issued certificate with its key. */
    public record Issued(X509Certificate cert, PrivateKey key, X509Certificate ca) {
        /** A server-side (or client-side) context presenting this certificate, trusting {@code ca}. */
        public SSLContext context() throws GeneralSecurityException, IOException {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("k", key, new char[0], new X509Certificate[]{cert});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            return TestCa.context(kmf.getKeyManagers(), ca);
        }

        /** Writes {@code <prefix>.crt} and {@code <prefix>.key} (PKCS#8) into dir; returns {cert, key}. */
        public Path[] write(Path dir, String prefix) throws IOException {
            Path c = dir.resolve(prefix + ".crt");
            Path k = dir.resolve(prefix + ".key");
            Files.writeString(c, pem("CERTIFICATE", encoded(cert)));
            Files.writeString(k, pem("PRIVATE KEY", key.getEncoded()));
            return new Path[]{c, k};
        }
    }

    public TestCa(String name) throws GeneralSecurityException {
        this.name = name;
        this.keys = ecKeys();
        byte[] ext = extensions(List.of(
                extension("2.5.29.19", true, seq(bool(true))), // basicConstraints CA:TRUE
                extension("2.5.29.15", true, new byte[]{0x03, 0x02, 0x01, 0x06}))); // keyCertSign, cRLSign
        this.cert = sign(name, name, keys.getPublic().getEncoded(), ext, keys.getPrivate());
    }

    public X509Certificate cert() {
        return cert;
    }

    /** A client context trusting this CA, presenting no certificate. */
    public SSLContext trusting() throws GeneralSecurityException, IOException {
        return context(null, cert);
    }

    private static SSLContext context(javax.net.ssl.KeyManager[] keys, X509Certificate ca)
            throws GeneralSecurityException, IOException {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Writes the CA certificate as PEM. */
    public Path writeCa(Path file) throws IOException {
        Files.writeString(file, pem("CERTIFICATE", encoded(cert)));
        return file;
    }

    /** A server certificate for these DNS names and IP addresses (serverAuth and clientAuth). */
    public Issued issue(String commonName, List<String> dnsNames, List<InetAddress> ips)
            throws GeneralSecurityException {
        return issue(commonName, ecKeys(), dnsNames, ips);
    }

    /** As {@link #issue(String, List, List)}, for a key pair of the caller's (an RSA client's, say). */
    public Issued issue(String commonName, KeyPair leaf, List<String> dnsNames, List<InetAddress> ips)
            throws GeneralSecurityException {
        ByteArrayOutputStream san = new ByteArrayOutputStream();
        for (String d : dnsNames) {
            san.writeBytes(tlv(0x82, d.getBytes(StandardCharsets.US_ASCII)));
        }
        for (InetAddress ip : ips) {
            san.writeBytes(tlv(0x87, ip.getAddress()));
        }
        List<byte[]> exts = new ArrayList<>();
        exts.add(extension("2.5.29.19", true, seq()));
        exts.add(extension("2.5.29.15", true, new byte[]{0x03, 0x02, 0x07, (byte) 0x80})); // digitalSignature
        exts.add(extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"), oid("1.3.6.1.5.5.7.3.2"))));
        if (san.size() > 0) {
            exts.add(extension("2.5.29.17", false, tlv(0x30, san.toByteArray())));
        }
        X509Certificate c = sign(commonName, name, leaf.getPublic().getEncoded(), extensions(exts), keys.getPrivate());
        return new Issued(c, leaf.getPrivate(), cert);
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate sign(String subject, String issuer, byte[] spki, byte[] extensions,
            PrivateKey signer)
            throws GeneralSecurityException {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        DateTimeFormatter utc = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");
        byte[] alg = seq(oid(ECDSA_SHA256));
        byte[] tbs = seq(
                tlv(0xa0, integer(BigInteger.TWO)), // v3
                integer(BigInteger.valueOf(SERIAL.incrementAndGet())),
                alg,
                cn(issuer),
                seq(tlv(0x17, now.minusHours(1).format(utc).getBytes(StandardCharsets.US_ASCII)),
                        tlv(0x17, now.plusDays(1).format(utc).getBytes(StandardCharsets.US_ASCII))),
                cn(subject),
                spki,
                tlv(0xa3, extensions));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(signer);
        s.update(tbs);
        byte[] sig = s.sign();
        byte[] bits = new byte[sig.length + 1];
        System.arraycopy(sig, 0, bits, 1, sig.length);
        byte[] der = seq(tbs, alg, tlv(0x03, bits));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(der));
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private static byte[] cn(String name) {
        return seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0c, name.getBytes(StandardCharsets.UTF_8)))));
    }

    private static byte[] extensions(List<byte[]> list) {
        return seq(list.toArray(new byte[0][]));
    }

    private static byte[] extension(String id, boolean critical, byte[] value) {
        return critical ? seq(oid(id), bool(true), tlv(0x04, value)) : seq(oid(id), tlv(0x04, value));
    }

    private static byte[] bool(boolean b) {
        return new byte[]{0x01, 0x01, (byte) (b ? 0xff : 0)};
    }

    private static byte[] integer(BigInteger v) {
        return tlv(0x02, v.toByteArray());
    }

    private static byte[] oid(String dotted) {
        String[] p = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Integer.parseInt(p[0]) * 40 + Integer.parseInt(p[1]));
        for (int i = 2; i < p.length; i++) {
            long v = Long.parseLong(p[i]);
            int shift = 63 - Long.numberOfLeadingZeros(v | 1);
            for (int s = (shift / 7) * 7; s > 0; s -= 7) {
                out.write((int) ((v >>> s) & 0x7f) | 0x80);
            }
            out.write((int) (v & 0x7f));
        }
        return tlv(0x06, out.toByteArray());
    }

    private static byte[] seq(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return tlv(0x30, out.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >>> 8);
            out.write(n);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }
}
