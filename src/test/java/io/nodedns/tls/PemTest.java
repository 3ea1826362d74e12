package io.nodedns.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The private key forms Go's tls.LoadX509KeyPair reads: PKCS#8, PKCS#1 (RSA) and SEC 1 (EC). */
class PemTest {
    @TempDir
    Path dir;

    private Path write(String name, String label, byte[] der) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "junk before\n-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + label + "-----\n");
        return p;
    }

    @Test
    void pkcs8AndPkcs1RsaKeysReadTheSame() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        PrivateKey key = g.generateKeyPair().getPrivate();
        byte[] pkcs8 = key.getEncoded();
        assertArrayEquals(pkcs8, Pem.privateKey(write("k8.pem", "PRIVATE KEY", pkcs8)).getEncoded());
        // PKCS#1 is the OCTET STRING inside PKCS#8's PrivateKeyInfo: the last element of the sequence
        byte[] pkcs1 = lastOctetString(pkcs8);
        assertArrayEquals(pkcs8, Pem.privateKey(write("k1.pem", "RSA PRIVATE KEY", pkcs1)).getEncoded());
    }

    @Test
    void sec1EcKeyFromOpenssl() throws Exception {
        Path key = dir.resolve("ec.pem");
        ProcessBuilder pb;
        try {
            pb = new ProcessBuilder("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
                    key.toString());
            Process p = pb.redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            Assumptions.assumeTrue(p.waitFor() == 0, "openssl failed");
        } catch (IOException e) {
            Assumptions.abort("openssl is not installed (Debian package openssl): " + e.getMessage());
            return;
        }
        assertTrue(Files.readString(key).contains("BEGIN EC PRIVATE KEY"));
        PrivateKey k = Pem.privateKey(key);
        assertEquals("EC", k.getAlgorithm());
        assertEquals(256, ((ECPrivateKey) k).getParams().getCurve().getField().getFieldSize());
    }

    @Test
    void clearErrors() throws Exception {
        Path enc = dir.resolve("enc.pem");
        Files.writeString(enc, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertTrue(assertThrows(IOException.class, () -> Pem.privateKey(enc)).getMessage().contains("encrypted"));
        Path none = dir.resolve("none.pem");
        Files.writeString(none, "nothing here");
        assertTrue(assertThrows(IOException.class, () -> Pem.privateKey(none)).getMessage().contains("no private key"));
        assertTrue(assertThrows(IOException.class, () -> Pem.certificates(none)).getMessage()
                .contains("no PEM certificate"));
        Path cut = dir.resolve("cut.pem");
        Files.writeString(cut, "-----BEGIN CERTIFICATE-----\nAAAA\n");
        assertTrue(assertThrows(IOException.class, () -> Pem.certificates(cut)).getMessage()
                .contains("not a valid PEM certificate"));
    }

    /** The contents of the last top-level element of a DER SEQUENCE (an OCTET STRING here). */
    private static byte[] lastOctetString(byte[] der) {
        int p = header(der, 0)[0];
        int start = 0;
        int end = 0;
        while (p < der.length) {
            int[] h = header(der, p);
            start = h[0];
            end = h[0] + h[1];
            p = end;
        }
        return Arrays.copyOfRange(der, start, end);
    }

    /** {content offset, content length} of the element at {@code at}. */
    private static int[] header(byte[] b, int at) {
        int len = b[at + 1] & 0xff;
        int p = at + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (b[p++] & 0xff);
            }
        }
        return new int[]{p, len};
    }
}
