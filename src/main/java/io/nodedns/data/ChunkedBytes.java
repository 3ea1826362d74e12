package io.nodedns.data;

import java.util.Arrays;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An append-only byte store in 128 KiB chunks, addressed by an int position. Zone and hosts data
 * live here as packed wire bytes instead of one Java object per record: growing never copies what
 * is stored (no doubling peak), and {@link #trim} cuts the last chunk to what it holds. A value
 * never straddles two chunks, so it can be read or copied with one call.
 *
 * <p>Built by one thread, then only read (published through a volatile or final field).
 */
public final class ChunkedBytes {
    public static final int CHUNK_BITS = 17;
    public static final int CHUNK = 1 << CHUNK_BITS;
    private static final int MASK = CHUNK - 1;

    private final DataBudget budget;
    private final long maxBytes;
    private UnsafeBuffer[] chunks = new UnsafeBuffer[4];
    private int chunkCount;
    private int size;

    /** @param maxBytes the largest position plus one the caller can address (past it: {@link DataBudget#exceeded}) */
    public ChunkedBytes(DataBudget budget, long maxBytes) {
        this.budget = budget;
        this.maxBytes = Math.min(maxBytes, Integer.MAX_VALUE);
    }

    /** Reserves {@code length} contiguous bytes (at most {@link #CHUNK}) and returns their position. */
    public int reserve(int length) {
        if (length > CHUNK) {
            throw new IllegalArgumentException("value of " + length + " bytes is larger than a chunk");
        }
        if (size == chunkCount << CHUNK_BITS) {
            addChunk(); // size stands at the start of a chunk not allocated yet
        } else if ((size & MASK) + length > CHUNK) {
            size = chunkCount << CHUNK_BITS; // the value would straddle: start the next chunk
            addChunk();
        }
        int at = size;
        size += length;
        return at;
    }

    private void addChunk() {
        if ((long) (chunkCount + 1) << CHUNK_BITS > maxBytes) {
            budget.exceeded();
        }
        budget.charge(CHUNK);
        if (chunkCount == chunks.length) {
            chunks = Arrays.copyOf(chunks, chunkCount * 2);
        }
        chunks[chunkCount++] = new UnsafeBuffer(new byte[CHUNK]);
    }

    /** The position the next {@link #reserve} would return if it fits the current chunk. */
    public int size() {
        return size;
    }

    /** The chunk holding {@code position}; read it at {@link #offset}. */
    public UnsafeBuffer chunk(int position) {
        return chunks[position >>> CHUNK_BITS];
    }

    public static int offset(int position) {
        return position & MASK;
    }

    public int getByte(int position) {
        return chunks[position >>> CHUNK_BITS].getByte(position & MASK) & 0xFF;
    }

    public void putByte(int position, int value) {
        chunks[position >>> CHUNK_BITS].putByte(position & MASK, (byte) value);
    }

    public int getShort(int position) {
        return chunks[position >>> CHUNK_BITS].getShort(position & MASK, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public void putShort(int position, int value) {
        chunks[position >>> CHUNK_BITS].putShort(position & MASK, (short) value, java.nio.ByteOrder.BIG_ENDIAN);
    }

    public int getInt(int position) {
        return chunks[position >>> CHUNK_BITS].getInt(position & MASK, java.nio.ByteOrder.BIG_ENDIAN);
    }

    public void putInt(int position, int value) {
        chunks[position >>> CHUNK_BITS].putInt(position & MASK, value, java.nio.ByteOrder.BIG_ENDIAN);
    }

    public void putBytes(int position, DirectBuffer src, int srcOffset, int length) {
        chunks[position >>> CHUNK_BITS].putBytes(position & MASK, src, srcOffset, length);
    }

    public void putBytes(int position, byte[] src, int srcOffset, int length) {
        chunks[position >>> CHUNK_BITS].putBytes(position & MASK, src, srcOffset, length);
    }

    /** Copies {@code length} stored bytes at {@code position} into {@code out} at {@code index}. */
    public void copyTo(int position, MutableDirectBuffer out, int index, int length) {
        out.putBytes(index, chunks[position >>> CHUNK_BITS], position & MASK, length);
    }

    public byte[] bytes(int position, int length) {
        byte[] out = new byte[length];
        chunks[position >>> CHUNK_BITS].getBytes(position & MASK, out);
        return out;
    }

    /** Cuts the last chunk to the bytes used; call once, after the last {@link #reserve}. */
    public void trim() {
        if (chunkCount == 0) {
            return;
        }
        int used = size - ((chunkCount - 1) << CHUNK_BITS);
        UnsafeBuffer last = chunks[chunkCount - 1];
        if (used < CHUNK) {
            chunks[chunkCount - 1] = new UnsafeBuffer(Arrays.copyOf(last.byteArray(), Math.max(used, 8)));
            budget.credit(CHUNK - Math.max(used, 8));
        }
        chunks = Arrays.copyOf(chunks, chunkCount);
    }

    /** Heap bytes held: the chunks' arrays (object headers included roughly). */
    public long retainedBytes() {
        long n = 16L + 16L * chunks.length;
        for (int i = 0; i < chunkCount; i++) {
            n += 16 + chunks[i].capacity() + 48;
        }
        return n;
    }
}
