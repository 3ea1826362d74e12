package io.nodedns.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Certificates and private keys from PEM (a kubeconfig's data and files, forward's {@code tls}
 * files), with the JDK alone: PKCS#8
 * ({@code PRIVATE KEY}), RSA PKCS#1 ({@code RSA PRIVATE KEY}, kubeadm's default) and EC SEC1
 * ({@code EC PRIVATE KEY}, kind and k3s). The JDK reads only PKCS#8, so the other two are wrapped in
 * a PKCS#8 envelope (RFC 5208 section 5) here, a few bytes of DER, instead of pulling in BouncyCastle
 * (about 9 MB) the way client-java's SSLUtils does. Errors are {@link IllegalArgumentException}s
 * whose message says what is wrong; callers prefix where the material came from.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*(.*?)-----END \\1-----", Pattern.DOTALL);
    /** rsaEncryption, RFC 8017 appendix C. */
    private static final byte[] OID_RSA = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    /** id-ecPublicKey, RFC 5480 section 2.1.1. */
    private static final byte[] OID_EC = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Pem() {}

    /** Every certificate of a PEM file; at least one. Errors name the file. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        byte[] pem = Files.readAllBytes(file);
        try {
            return certificates(pem);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** The first private key of a PEM file. Errors name the file. */
    public static PrivateKey privateKey(Path file) throws IOException {
        byte[] pem = Files.readAllBytes(file);
        try {
            return privateKey(pem);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Every certificate in the PEM text; at least one. */
    public static List<X509Certificate> certificates(byte[] pem) {
        if (!new String(pem, StandardCharsets.ISO_8859_1).contains("-----BEGIN CERTIFICATE-----")) {
            throw new IllegalArgumentException("no PEM certificate (-----BEGIN CERTIFICATE-----) found");
        }
        try {
            List<X509Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem)).stream()
                    .map(c -> (X509Certificate) c).toList();
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("no PEM certificate found");
            }
            return certs;
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a valid PEM certificate: " + e.getMessage(), e);
        }
    }

    /** The first private key block in the PEM text (an openssl EC PARAMETERS block before it is skipped). */
    public static PrivateKey privateKey(byte[] pem) {
        String text = new String(pem, StandardCharsets.ISO_8859_1);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String label = m.group(1);
            if (!label.endsWith("PRIVATE KEY")) {
                continue;
            }
            String body = m.group(2);
            if (label.startsWith("ENCRYPTED") || body.contains("Proc-Type: 4,ENCRYPTED")) {
                throw new IllegalArgumentException(
                        "encrypted private keys are not supported (kubectl does not read them either)");
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(body);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(label + " block is not valid base64: " + e.getMessage(), e);
            }
            return switch (label) {
                case "PRIVATE KEY" -> pkcs8(der);
                case "RSA PRIVATE KEY" -> load("RSA", wrap(algorithm(OID_RSA, null), der));
                case "EC PRIVATE KEY" -> load("EC", wrap(algorithm(OID_EC, curveOf(der)), der));
                default -> throw new IllegalArgumentException("unsupported key type '" + label + "'");
            };
        }
        throw new IllegalArgumentException("no private key (-----BEGIN ... PRIVATE KEY-----) found");
    }

    /** Fails unless the key signs what the certificate's public key verifies (a swapped or stale pair). */
    public static void checkPair(PrivateKey key, X509Certificate cert) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm());
        };
        try {
            byte[] probe = "nodedns key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            if (!v.verify(sig)) {
                throw new IllegalArgumentException("the private key does not belong to the certificate "
                        + cert.getSubjectX500Principal().getName());
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the private key does not belong to the certificate "
                    + cert.getSubjectX500Principal().getName() + " (" + e.getMessage() + ")", e);
        }
    }

    private static PrivateKey pkcs8(byte[] der) {
        Der outer = Der.read(der, 0, 0x30);
        Der version = Der.read(der, outer.start, 0x02);
        Der alg = Der.read(der, version.end(), 0x30);
        Der oid = Der.read(der, alg.start, 0x06);
        byte[] id = Arrays.copyOfRange(der, oid.start, oid.end());
        String name = Arrays.equals(id, OID_RSA)
                ? "RSA"
                : Arrays.equals(id, OID_EC)
                        ? "EC"
                        : id.length == 3 && id[0] == 0x2b && id[1] == 0x65 && id[2] == 0x70 ? "Ed25519" : null;
        if (name == null) {
            throw new IllegalArgumentException("unsupported private key algorithm (PKCS#8 OID " + hex(id) + ")");
        }
        return load(name, der);
    }

    private static PrivateKey load(String algorithm, byte[] pkcs8) {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a valid " + algorithm + " private key: " + e.getMessage(), e);
        }
    }

    /** The named curve of a SEC1 ECPrivateKey: its [0] parameters (RFC 5915 section 3). */
    private static byte[] curveOf(byte[] sec1) {
        Der outer = Der.read(sec1, 0, 0x30);
        int p = outer.start;
        while (p < outer.end()) {
            Der field = Der.read(sec1, p, -1);
            if (field.tag == 0xa0) {
                Der oid = Der.read(sec1, field.start, 0x06);
                return Arrays.copyOfRange(sec1, field.headerStart, oid.end());
            }
            p = field.end();
        }
        throw new IllegalArgumentException("EC PRIVATE KEY without its curve (no [0] parameters)");
    }

    /** AlgorithmIdentifier: SEQUENCE { OID, parameters } (NULL for RSA, the curve's OID for EC). */
    private static byte[] algorithm(byte[] oid, byte[] curveField) {
        byte[] params;
        if (curveField == null) {
            params = new byte[]{0x05, 0x00};
        } else {
            Der f = Der.read(curveField, 0, 0xa0);
            params = Arrays.copyOfRange(curveField, f.start, f.end());
        }
        return Der.tlv(0x30, concat(Der.tlv(0x06, oid), params));
    }

    /** PrivateKeyInfo: SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING key }. */
    private static byte[] wrap(byte[] algorithm, byte[] key) {
        return Der.tlv(0x30, concat(new byte[]{0x02, 0x01, 0x00}, algorithm, Der.tlv(0x04, key)));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }

    /** One DER TLV: tag, where its header starts, where its content starts, and its length. */
    public record Der(int tag, int headerStart, int start, int length) {
        public int end() {
            return start + length;
        }

        /** The TLV at {@code at}; {@code expectTag} -1 accepts any tag. */
        public static Der read(byte[] b, int at, int expectTag) {
            if (at + 2 > b.length) {
                throw new IllegalArgumentException("truncated DER key");
            }
            int tag = b[at] & 0xff;
            if (expectTag >= 0 && tag != expectTag) {
                throw new IllegalArgumentException(
                        "malformed DER key (tag " + tag + " where " + expectTag + " belongs)");
            }
            int len = b[at + 1] & 0xff;
            int p = at + 2;
            if (len > 0x80) {
                int n = len & 0x7f;
                if (n > 3 || p + n > b.length) {
                    throw new IllegalArgumentException("malformed DER key (length)");
                }
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (b[p++] & 0xff);
                }
            } else if (len == 0x80) {
                throw new IllegalArgumentException("malformed DER key (indefinite length)");
            }
            if (p + len > b.length) {
                throw new IllegalArgumentException("truncated DER key");
            }
            return new Der(tag, at, p, len);
        }

        public static byte[] tlv(int tag, byte[] content) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(tag);
            int n = content.length;
            if (n < 0x80) {
                out.write(n);
            } else if (n < 0x100) {
                out.write(0x81);
                out.write(n);
            } else if (n < 0x10000) {
                out.write(0x82);
                out.write(n >> 8);
                out.write(n);
            } else {
                out.write(0x83);
                out.write(n >> 16);
                out.write(n >> 8);
                out.write(n);
            }
            out.writeBytes(content);
            return out.toByteArray();
        }
    }
}
