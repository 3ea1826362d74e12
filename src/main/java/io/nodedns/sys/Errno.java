package io.nodedns.sys;

/**
 * Names and texts of the Linux errno values a socket call reports (the generic numbering of
 * x86-64 and arm64), for error messages: {@code operation not permitted (EPERM)}, worded as Go's
 * {@code syscall.Errno} prints them. Only the failure path asks, and only where a message is read.
 */
public final class Errno {
    private static final String[] NAMES = new String[114];
    private static final String[] TEXTS = new String[114];

    static {
        put(1, "EPERM", "operation not permitted");
        put(2, "ENOENT", "no such file or directory");
        put(4, "EINTR", "interrupted system call");
        put(5, "EIO", "input/output error");
        put(9, "EBADF", "bad file descriptor");
        put(11, "EAGAIN", "resource temporarily unavailable");
        put(12, "ENOMEM", "cannot allocate memory");
        put(13, "EACCES", "permission denied");
        put(14, "EFAULT", "bad address");
        put(22, "EINVAL", "invalid argument");
        put(24, "EMFILE", "too many open files");
        put(32, "EPIPE", "broken pipe");
        put(88, "ENOTSOCK", "socket operation on non-socket");
        put(89, "EDESTADDRREQ", "destination address required");
        put(90, "EMSGSIZE", "message too long");
        put(95, "EOPNOTSUPP", "operation not supported");
        put(97, "EAFNOSUPPORT", "address family not supported by protocol");
        put(98, "EADDRINUSE", "address already in use");
        put(99, "EADDRNOTAVAIL", "cannot assign requested address");
        put(100, "ENETDOWN", "network is down");
        put(101, "ENETUNREACH", "network is unreachable");
        put(104, "ECONNRESET", "connection reset by peer");
        put(105, "ENOBUFS", "no buffer space available");
        put(107, "ENOTCONN", "transport endpoint is not connected");
        put(111, "ECONNREFUSED", "connection refused");
        put(112, "EHOSTDOWN", "host is down");
        put(113, "EHOSTUNREACH", "no route to host");
    }

    public static final int EAGAIN = 11;

    private Errno() {}

    private static void put(int errno, String name, String text) {
        NAMES[errno] = name;
        TEXTS[errno] = text;
    }

    /** The text and the name, {@code network is unreachable (ENETUNREACH)}; {@code errno N} alone for one not listed. */
    public static String describe(int errno) {
        return errno > 0 && errno < TEXTS.length && TEXTS[errno] != null
                ? TEXTS[errno] + " (" + NAMES[errno] + ")"
                : "errno " + errno;
    }

    /**
     * The errno whose text a JDK exception message carries ({@code "Network is unreachable"}: the
     * JDK words socket errors with strerror), or 0 if none does.
     */
    public static int ofMessage(String message) {
        if (message != null) {
            String lower = message.toLowerCase(java.util.Locale.ROOT);
            for (int e = 0; e < TEXTS.length; e++) {
                if (TEXTS[e] != null && lower.contains(TEXTS[e])) {
                    return e;
                }
            }
        }
        return 0;
    }
}
