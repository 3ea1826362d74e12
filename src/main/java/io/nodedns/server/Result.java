package io.nodedns.server;

/**
 * Return values of {@link Handler#serve} beyond plain rcodes (0..15, named in
 * {@link io.nodedns.wire.DnsHeader}: {@code RCODE_SERVFAIL} and so on).
 */
public final class Result {
    /** A complete reply has been written into the exchange's response buffer. */
    public static final int WRITTEN = -1;
    /** The handler will finish the exchange later with {@link Exchange#complete()}. */
    public static final int PENDING = -2;
    /** No reply at all: the exchange ends without response hooks (acl's drop action). */
    public static final int DROP = -3;

    private Result() {}
}
