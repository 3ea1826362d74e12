package io.nodedns.data;

/**
 * The heap one zone or hosts file may take once loaded: its packed data, indexes and precomputed
 * replies are charged here as they grow, so a file too large for the heap fails with a clear error
 * naming it instead of an OutOfMemoryError that takes the server down. One file may take half of
 * the JVM's maximum heap; caches, buffers and the rest need the other half. A reload builds the
 * new data while the old copy still serves, so its budget is the half less what the old copy holds.
 */
public final class DataBudget {
    private final long limit;
    private final String why;
    private long used;

    public DataBudget(long limit, String why) {
        this.limit = limit;
        this.why = why;
    }

    /** Half the maximum heap ({@code -Xmx}). */
    public static DataBudget forFile() {
        return new DataBudget(defaultLimit(), "half the maximum heap, -Xmx");
    }

    /** For a reload: half the maximum heap less the {@code held} bytes of the copy it replaces. */
    public static DataBudget forReload(long held) {
        return new DataBudget(defaultLimit() - held, "half the maximum heap, -Xmx, less the " + mib(held)
                + " MiB the loaded copy holds until the new one serves; a restart loads it");
    }

    public static long defaultLimit() {
        return Runtime.getRuntime().maxMemory() / 2;
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

    /** Bytes charged and not credited: what the loaded data holds. */
    public long used() {
        return used;
    }

    public void exceeded() {
        throw new DataLimitException("loaded data would exceed " + mib(Math.max(limit, 0)) + " MiB (" + why
                + "); split the file or raise -Xmx");
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    /** The data of one file would exceed its budget. */
    public static final class DataLimitException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DataLimitException(String message) {
            super(message);
        }
    }
}
