package io.nodedns.data;

/**
 * The heap one zone or hosts file may take once loaded: the packed data and its indexes are
 * charged here as they grow, so a file too large for the heap fails with a clear error naming it
 * instead of an OutOfMemoryError that takes the server down. The default is a quarter of the
 * JVM's maximum heap: a reload builds the new data while the old still serves, so one file may
 * need twice its size for a moment, and caches and buffers need the other half.
 */
public final class DataBudget {
    private final long limit;
    private long used;

    public DataBudget(long limit) {
        this.limit = limit;
    }

    /** A quarter of the maximum heap ({@code -Xmx}). */
    public static DataBudget forFile() {
        return new DataBudget(defaultLimit());
    }

    public static long defaultLimit() {
        return Runtime.getRuntime().maxMemory() / 4;
    }

    public void charge(long bytes) {
        used += bytes;
        if (used > limit) {
            exceeded();
        }
    }

    public void credit(long bytes) {
        used -= bytes;
    }

    public long used() {
        return used;
    }

    public long limit() {
        return limit;
    }

    public void exceeded() {
        throw new DataLimitException(limit);
    }

    /** The data of one file would exceed its budget. */
    public static final class DataLimitException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DataLimitException(long limit) {
            super("loaded data would exceed " + (limit >> 20) + " MiB (a quarter of the maximum heap, -Xmx); "
                    + "split the file or raise -Xmx");
        }
    }
}
