package io.nodedns.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * PEM files as Go's crypto/tls reads them (the CoreDNS {@code tls} arguments): certificates
 * ({@code CERTIFICATE} blocks, a chain in order) and one private key in PKCS#8
 * ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC 1 ({@code EC PRIVATE KEY}) form.
 * The JDK reads only PKCS#8, so the other two are wrapped into it (RFC 5208, RFC 5915).
 */
public final class Pem {
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
            0x0d, 0x01, 0x01, 0x01, 0x05, 0x00}; // SEQUENCE { rsaEncryption, NULL }
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Pem() {}

    /** One PEM block: its label and DER bytes. */
    record Block(String label, byte[] der) {}

    static List<Block> blocks(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<Block> out = new ArrayList<>();
        int at = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", at);
            if (begin < 0) {
                return out;
            }
            int labelEnd = text.indexOf("-----", begin + 11);
            if (labelEnd < 0) {
                throw new IOException(file + ": malformed PEM header");
            }
            String label = text.substring(begin + 11, labelEnd);
            String endMarker = "-----END " + label + "-----";
            int end = text.indexOf(endMarker, labelEnd);
            if (end < 0) {
                throw new IOException(file + ": no '" + endMarker + "'");
            }
            String body = text.substring(labelEnd + 5, end);
            if (body.contains("Proc-Type:") || body.contains("DEK-Info:")) {
                throw new IOException(file + ": encrypted PEM keys are not supported");
            }
            try {
                out.add(new Block(label, Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": bad base64 in the " + label + " block");
            }
            at = end + endMarker.length();
        }
    }

    /** Every CERTIFICATE block of the file, in order; at least one. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file)) {
                if (b.label().equals("CERTIFICATE")) {
                    out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no CERTIFICATE block");
        }
        return out;
    }

    /** The first private key block of the file. */
    public static PrivateKey privateKey(Path file) throws IOException {
        for (Block b : blocks(file)) {
            switch (b.label()) {
                case "PRIVATE KEY" -> {
                    return pkcs8(file, b.der(), "RSA", "EC", "Ed25519", "Ed448");
                }
                case "RSA PRIVATE KEY" -> {
                    return pkcs8(file, wrap(RSA_ALGORITHM, b.der()), "RSA");
                }
                case "EC PRIVATE KEY" -> {
                    return pkcs8(file, wrap(ecAlgorithm(file, b.der()), b.der()), "EC");
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new IOException(file + ": encrypted private keys are not supported");
                default -> {
                    // certificates and parameters may share the file
                }
            }
        }
        throw new IOException(file + ": no private key block");
    }

    private static PrivateKey pkcs8(Path file, byte[] der, String... algorithms) throws IOException {
        for (String a : algorithms) {
            try {
                return KeyFactory.getInstance(a).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IOException(file + ": unsupported or malformed private key");
    }

    /** PrivateKeyInfo ::= SEQUENCE { version 0, algorithm, OCTET STRING key } (RFC 5208). */
    private static byte[] wrap(byte[] algorithm, byte[] key) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(algorithm);
        body.writeBytes(tlv(0x04, key));
        return tlv(0x30, body.toByteArray());
    }

    /** AlgorithmIdentifier { id-ecPublicKey, the curve OID from the ECPrivateKey's [0] field } (RFC 5915). */
    private static byte[] ecAlgorithm(Path file, byte[] sec1) throws IOException {
        Der seq = new Der(sec1, 0);
        if (seq.tag != 0x30) {
            throw new IOException(file + ": malformed EC private key");
        }
        int p = seq.start;
        while (p < seq.end) {
            Der field = new Der(sec1, p);
            if (field.tag == 0xa0) {
                Der oid = new Der(sec1, field.start);
                ByteArrayOutputStream alg = new ByteArrayOutputStream();
                alg.writeBytes(EC_PUBLIC_KEY_OID);
                alg.write(sec1, field.start, oid.end - field.start);
                return tlv(0x30, alg.toByteArray());
            }
            p = field.end;
        }
        throw new IOException(file + ": EC private key without curve parameters");
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
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    /** One DER element's tag and the bounds of its contents. */
    private static final class Der {
        final int tag;
        final int start;
        final int end;

        Der(byte[] b, int at) throws IOException {
            if (at + 2 > b.length) {
                throw new IOException("truncated DER");
            }
            tag = b[at] & 0xff;
            int len = b[at + 1] & 0xff;
            int p = at + 2;
            if (len >= 0x80) {
                int bytes = len & 0x7f;
                if (bytes == 0 || bytes > 3 || p + bytes > b.length) {
                    throw new IOException("bad DER length");
                }
                len = 0;
                for (int i = 0; i < bytes; i++) {
                    len = (len << 8) | (b[p++] & 0xff);
                }
            }
            if (p + len > b.length) {
                throw new IOException("truncated DER");
            }
            start = p;
            end = p + len;
        }
    }
}
