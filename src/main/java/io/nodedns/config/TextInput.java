package io.nodedns.config;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Wraps a configuration file's bytes (Corefile, import, hosts or zone file) and fails fast when it
 * is not text or too large, with the line where that shows: a NUL byte (binary data, or
 * {@code /dev/zero}), more than {@code maxBytes} bytes (checked while reading, so a device or a
 * pipe that never ends is stopped too), and, when {@code strictUtf8}, a byte sequence that is not
 * UTF-8 (RFC 3629: overlong forms, surrogates and values past U+10FFFF included).
 */
public final class TextInput extends FilterInputStream {
    private final String file;
    private final long maxBytes;
    private final boolean strictUtf8;
    private long read;
    private int line = 1;
    /** Continuation bytes still expected, and the range the next one must fall in. */
    private int pending;
    private int low = 0x80;
    private int high = 0xBF;

    /** The input is not text, or too large; {@link #line} is where that was found. */
    public static final class NotTextException extends FileContentException {
        private static final long serialVersionUID = 1L;

        NotTextException(String file, int line, String message) {
            super(file, line, message);
        }

        /** "FILE:LINE: message", as other configuration errors read. */
        public String located() {
            return file + ":" + line + ": " + getMessage();
        }
    }

    public TextInput(InputStream in, String file, long maxBytes, boolean strictUtf8) {
        super(in);
        this.file = file;
        this.maxBytes = maxBytes;
        this.strictUtf8 = strictUtf8;
    }

    /** The line of the last byte read (1-based). */
    public int line() {
        return line;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b < 0) {
            end();
        } else {
            check(b);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n < 0) {
            end();
            return n;
        }
        for (int i = 0; i < n; i++) {
            check(buf[off + i] & 0xFF);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long done = 0;
        while (done < n && read() >= 0) {
            done++;
        }
        return done;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void end() throws NotTextException {
        if (pending > 0) {
            throw new NotTextException(file, line, "not text: invalid UTF-8 (truncated sequence at the end)");
        }
    }

    private void check(int b) throws NotTextException {
        if (++read > maxBytes) {
            throw new NotTextException(file, line, "file is larger than " + maxBytes + " bytes");
        }
        if (b == 0) {
            throw new NotTextException(file, line, "not text: NUL byte");
        }
        if (b == '\n') {
            line++;
        }
        if (!strictUtf8) {
            return;
        }
        if (pending > 0) {
            if (b < low || b > high) {
                throw invalid();
            }
            pending--;
            low = 0x80;
            high = 0xBF;
            return;
        }
        if (b < 0x80) {
            return;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            pending = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            pending = 2;
            low = b == 0xE0 ? 0xA0 : 0x80;
            high = b == 0xED ? 0x9F : 0xBF;
        } else if (b >= 0xF0 && b <= 0xF4) {
            pending = 3;
            low = b == 0xF0 ? 0x90 : 0x80;
            high = b == 0xF4 ? 0x8F : 0xBF;
        } else {
            throw invalid();
        }
    }

    private NotTextException invalid() {
        return new NotTextException(file, line, "not text: invalid UTF-8");
    }
}
