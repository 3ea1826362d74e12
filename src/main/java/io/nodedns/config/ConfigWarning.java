package io.nodedns.config;

/** A problem that does not stop parsing, such as an import glob that matches no file. */
public record ConfigWarning(String file, int line, String message) {

    @Override
    public String toString() {
        return file + ":" + line + " - " + message;
    }
}
