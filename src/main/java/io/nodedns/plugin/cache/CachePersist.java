package io.nodedns.plugin.cache;

import io.nodedns.log.Log;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.ZoneSet;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The {@code persist FILE} warm restart: both stores written at shutdown, read back at start with
 * every entry aged by the wall-clock time the file spent on disk (monotonic time does not survive
 * a restart). The file, all big-endian:
 *
 * <pre>
 * magic "NDNSCACH" | version u32 | written-at epoch ms u64 | zone count u16 | zones (modified UTF-8)
 * entries: 1 u8 | store u8 (0 success, 1 denial) | key flags u8 | entry flags u8 | duration s u32
 *          | remaining ms at writing i64 | OPT start u16 | length u16 | reply (length bytes)
 * end: 0 u8 | entry count u32 | CRC32C of every byte before it u32
 * </pre>
 *
 * A file that fails any check (magic, version, checksum, length, a reply that does not parse) is
 * ignored with one log line, and the cache starts empty: a bad file never stops a start. (The
 * checksum is checked before any entry is read, so only a writer's bug could fail an entry after
 * it; the entries before such an entry stay, each checked on its own.)
 * Reading streams the file twice (checksum, then entries) through small buffers, so it never sits
 * in memory beside the cache. Entries go back through {@link CacheStore#put}, so capacity, chunk
 * growth and eviction apply; replies are checked as the store path checks them (one question,
 * uncompressed name, records that parse) and must lie in the block's zones and not in a disabled one.
 */
final class CachePersist {
    static final byte[] MAGIC = "NDNSCACH".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    private static final int TRAILER = 1 + 4 + 4;
    private static final long NANOS = 1_000_000_000L;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private CachePersist() {}

    /** What a load did: entries read from the file and entries stored; -1 loaded if the file was rejected. */
    record Loaded(int read, int loaded, long ageMillis, long bytes, String rejected) {
    }

    /**
     * Writes both stores to {@code file} atomically (a temporary file in the same directory, forced
     * to disk, then renamed over it). Entries already beyond the serve_stale window are left out.
     * Returns the entries written.
     */
    static int save(Path file, CacheConfig config, CacheState state, long nowNanos, long nowMillis) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        long staleNanos = config.staleUpTo().toSeconds() * NANOS;
        int[] count = {0};
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream raw = java.nio.channels.Channels.newOutputStream(ch);
                CRC32C crc = new CRC32C();
                DataOutputStream out = new DataOutputStream(
                        new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16), crc));
                out.write(MAGIC);
                out.writeInt(VERSION);
                out.writeLong(nowMillis);
                out.writeShort(config.zones().size());
                for (String zone : config.zones()) {
                    out.writeUTF(zone);
                }
                byte[] copy = new byte[CacheStore.LARGE];
                for (int store = 0; store < 2; store++) {
                    int id = store;
                    (store == 0 ? state.success : state.denial).forEach(nowNanos,
                            (keyFlags, entryFlags, duration, remaining, msg, off, len, opt) -> {
                                if (remaining <= 0 && -remaining >= staleNanos) {
                                    return; // past the window it could still be served in
                                }
                                out.writeByte(1);
                                out.writeByte(id);
                                out.writeByte(keyFlags);
                                out.writeByte(entryFlags);
                                out.writeInt(duration);
                                out.writeLong(Math.floorDiv(remaining, 1_000_000L));
                                out.writeShort(opt);
                                out.writeShort(len);
                                msg.getBytes(off, copy, 0, len);
                                out.write(copy, 0, len);
                                count[0]++;
                            });
                }
                out.writeByte(0);
                out.writeInt(count[0]);
                out.flush();
                int sum = (int) crc.getValue();
                raw.write(new byte[]{(byte) (sum >>> 24), (byte) (sum >>> 16), (byte) (sum >>> 8), (byte) sum});
                raw.flush();
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return count[0];
    }

    /**
     * Reads {@code file} into the stores, if it exists and passes every check; otherwise the stores
     * are left as they are (empty at start). Never throws for the file's content.
     */
    static Loaded load(Path file, CacheConfig config, CacheState state, long nowNanos, long nowMillis,
            long nowEpochSeconds)
            throws IOException {
        long size = Files.size(file);
        if (size < MAGIC.length + 4 + 8 + 2 + TRAILER) {
            return rejected(size, "too short (" + size + " bytes): torn or not a persist file");
        }
        String bad = checkSum(file, size);
        if (bad != null) {
            return rejected(size, bad);
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                return rejected(size, "not a nodedns cache file (bad magic)");
            }
            int version = in.readInt();
            if (version != VERSION) {
                return rejected(size, "version " + version + ", this nodedns reads version " + VERSION);
            }
            long written = in.readLong();
            long ageMillis = Math.max(0, nowMillis - written); // a clock stepped back ages nothing
            int zones = in.readUnsignedShort();
            for (int i = 0; i < zones; i++) {
                in.readUTF(); // the writer's zones, for the record; each entry is checked against ours below
            }
            ZoneSet ours = ZoneSet.of(config.zones());
            ZoneSet noSuccess = ZoneSet.of(config.disableSuccess());
            ZoneSet noDenial = ZoneSet.of(config.disableDenial());
            long staleSeconds = config.staleUpTo().toSeconds();
            UnsafeBuffer msg = new UnsafeBuffer(new byte[CacheStore.LARGE]);
            int read = 0;
            int loaded = 0;
            while (in.readUnsignedByte() == 1) {
                int store = in.readUnsignedByte();
                int keyFlags = in.readByte();
                int entryFlags = in.readByte();
                long duration = in.readInt();
                long remainingMillis = in.readLong() - ageMillis;
                int opt = in.readUnsignedShort();
                int len = in.readUnsignedShort();
                if (store > 1 || duration <= 0 || len < DnsHeader.LENGTH || len > CacheStore.LARGE || opt >= len) {
                    return rejected(size, "entry " + read + " is malformed");
                }
                in.readFully(msg.byteArray(), 0, len);
                read++;
                long scan = CacheWire.scan(msg, len, nowEpochSeconds);
                int qend = CacheWire.questionEnd(msg, len);
                if (scan < 0 || DnsHeader.qdcount(msg, 0) != 1 || qend < DnsHeader.LENGTH + 5) {
                    return rejected(size, "entry " + (read - 1) + " holds a reply that does not parse");
                }
                int nameLen = qend - 4 - DnsHeader.LENGTH;
                if (Names.uncompressedLength(msg, DnsHeader.LENGTH, len) != nameLen) {
                    return rejected(size, "entry " + (read - 1) + " has a compressed question name");
                }
                boolean success = store == 0;
                long max = (success ? config.success() : config.denial()).maxTtl();
                if (duration > max) { // a lower max TTL since the file was written caps what is left
                    duration = max;
                    remainingMillis = Math.min(remainingMillis, max * 1000);
                }
                long remainingSeconds = Math.floorDiv(remainingMillis, 1000L);
                int signed = CacheWire.F_OPT_DO | CacheWire.F_EXPIRED_SIG;
                if (!CacheStore.usable(remainingSeconds, staleSeconds)
                        || (CacheWire.flags(scan) & signed) == signed // an RRSIG ran out while down: the store path would not keep it
                        || !ours.contains(msg, DnsHeader.LENGTH, nameLen)
                        || (success ? noSuccess : noDenial).contains(msg, DnsHeader.LENGTH, nameLen)) {
                    continue;
                }
                int qtype = msg.getShort(qend - 4, BE) & 0xFFFF;
                int qclass = msg.getShort(qend - 2, BE) & 0xFFFF;
                long h = CacheIndex.hash(Names.hashLowerCase(msg, DnsHeader.LENGTH, nameLen), qtype, qclass, keyFlags);
                // stored so that the store's own ageing (whole seconds since stored) gives what is left
                long stored = nowNanos - (duration * NANOS - remainingMillis * 1_000_000L);
                CacheStore target = success ? state.success : state.denial;
                if (target.put(h, keyFlags, entryFlags, qtype, qclass, nameLen, msg, len, CacheWire.ttlCount(scan), opt,
                        (int) duration, stored, false, 0)) {
                    loaded++;
                }
            }
            int count = in.readInt();
            if (count != read) {
                return rejected(size, "holds " + read + " entries, its end says " + count);
            }
            return new Loaded(read, loaded, ageMillis, size, null);
        } catch (EOFException e) {
            return rejected(size, "ends early: torn");
        }
    }

    /** Null if the last four bytes are the CRC32C of the rest, else why not. */
    private static String checkSum(Path file, long size) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buf = new byte[1 << 16];
        long left = size - 4;
        try (InputStream in = Files.newInputStream(file)) {
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    return "ends early: torn";
                }
                crc.update(buf, 0, n);
                left -= n;
            }
            byte[] tail = in.readNBytes(4);
            int want = (tail[0] & 0xFF) << 24 | (tail[1] & 0xFF) << 16 | (tail[2] & 0xFF) << 8 | (tail[3] & 0xFF);
            return want == (int) crc.getValue() ? null : "checksum mismatch: torn, changed or not a persist file";
        }
    }

    private static Loaded rejected(long size, String why) {
        return new Loaded(0, -1, 0, size, why);
    }

    /** At start: reads the file if there is one and logs what happened; never throws. */
    static void loadLogged(Path file, CacheConfig config, CacheState state, CacheClock clock) {
        if (!Files.exists(file)) {
            Log.info("cache", "persist: no " + file + " yet: starting with an empty cache");
            return;
        }
        long t0 = System.nanoTime();
        try {
            Loaded r = load(file, config, state, clock.nanoTime(), clock.epochMillis(),
                    clock.epochSeconds());
            long micros = (System.nanoTime() - t0) / 1000;
            if (r.rejected() != null) {
                Log.error("cache",
                        "persist: ignoring " + file + ": " + r.rejected() + "; starting with an empty cache");
            } else {
                Log.info("cache", "persist: loaded " + r.loaded() + " of " + r.read() + " entries from " + file + " ("
                        + r.bytes() + " bytes, written " + r.ageMillis() / 1000 + " s ago) in " + micros + " us");
            }
        } catch (IOException | RuntimeException e) {
            Log.error("cache", "persist: ignoring " + file + ": " + e + "; starting with an empty cache");
        }
    }

    /** At shutdown: writes the file and logs what happened; never throws. */
    static void saveLogged(Path file, CacheConfig config, CacheState state, CacheClock clock) {
        long t0 = System.nanoTime();
        try {
            int n = save(file, config, state, clock.nanoTime(), clock.epochMillis());
            Log.info("cache", "persist: wrote " + n + " entries to " + file + " (" + Files.size(file) + " bytes) in "
                    + (System.nanoTime() - t0) / 1000 + " us");
        } catch (IOException | RuntimeException e) {
            Log.error("cache", "persist: could not write " + file + ": " + e);
        }
    }
}
