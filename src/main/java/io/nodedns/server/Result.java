package io.nodedns.server;

/** Return values of {@link Handler#serve} beyond plain rcodes (which are 0..15). */
public final class Result {
    /** A complete reply has been written into the exchange's response buffer. */
    public static final int WRITTEN = -1;
    /** The handler will finish the exchange later with {@link Exchange#complete()}. */
    public static final int PENDING = -2;
    /** No reply at all: the exchange ends without response hooks (acl's drop action). */
    public static final int DROP = -3;

    public static final int NOERROR = 0;
    public static final int FORMERR = 1;
    public static final int SERVFAIL = 2;
    public static final int NXDOMAIN = 3;
    public static final int NOTIMP = 4;
    public static final int REFUSED = 5;

    private Result() {}
}
