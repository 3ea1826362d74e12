package io.nodedns.config;

import java.io.IOException;

/**
 * A configuration file (Corefile, hosts or zone file) whose content cannot be used: not text, too
 * large, or not what it must hold. {@code line} is 0 when no line is to blame (a missing SOA).
 */
public class FileContentException extends IOException {
    private static final long serialVersionUID = 1L;
    public final String file;
    public final int line;

    public FileContentException(String file, int line, String message) {
        super(message);
        this.file = file;
        this.line = line;
    }
}
