package io.nodedns.plugin.forward;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Unpredictable query IDs and socket picks (RFC 5452) without allocating per query: an AES-CTR
 * keystream, keyed from SecureRandom, refilled 4 KiB at a time into a preallocated array.
 * ThreadLocalRandom is not used here because its output reveals its state. One per loop thread.
 *
 * <p>A refill allocates nothing (RandomBytesTest). Refills are rare (one per ~1,400 forwarded
 * queries), so C2 compiles the cipher's methods late; before a C2 compile, HotSpot resolves every
 * string constant of the method's class on the thread that asked for it: once per class and JVM,
 * up to 6 KB of Strings on the loop thread long after warm-up (JFR shows them at a method's first
 * line or a loop's end). C1, the image's only compiler, resolves nothing.
 */
final class RandomBytes {
    private static final int POOL = 4096;
    private static final RandomBytes SHARED = new RandomBytes();

    private final Cipher cipher;
    private final byte[] zeros = new byte[POOL];
    private final byte[] pool = new byte[POOL];
    private int pos = POOL;

    RandomBytes() {
        SecureRandom seed = new SecureRandom();
        byte[] key = new byte[16];
        byte[] iv = new byte[16];
        seed.nextBytes(key);
        seed.nextBytes(iv);
        try {
            cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR unavailable", e);
        }
    }

    /** A uniformly random 16-bit value. */
    int next16() {
        if (pos + 2 > POOL) {
            refill();
        }
        int v = ((pool[pos] & 0xFF) << 8) | (pool[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    /** A uniformly random byte value 0..255. */
    int next8() {
        if (pos + 1 > POOL) {
            refill();
        }
        return pool[pos++] & 0xFF;
    }

    /** For threads without their own instance (TCP clients, virtual threads); synchronized. */
    static int shared16() {
        synchronized (SHARED) {
            return SHARED.next16();
        }
    }

    void refill() {
        try {
            cipher.update(zeros, 0, POOL, pool, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
        pos = 0;
    }
}
