package io.nodedns.config;

/**
 * A Corefile could not be read, parsed or set up. The message follows CoreDNS's format,
 * {@code FILE:LINE - Error during parsing: DETAIL}, so operators see familiar output.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String detail;

    public ConfigException(String file, int line, String message) {
        // no Java stack: the file and line are the location, and a parse of hostile text may raise many
        super(format(file, line, message), null, false, false);
        this.file = file == null ? "" : file;
        this.line = line;
        this.detail = message == null ? "" : message;
    }

    /** An error located at a token; a null token gives an unknown position (empty file, line 0). */
    public ConfigException(Token at, String message) {
        this(at == null ? "" : at.file(), at == null ? 0 : at.line(), withUnset(at, message));
    }

    // "not an IP address: """ says nothing; the variable that was meant to fill it does
    private static String withUnset(Token at, String message) {
        if (at == null || at.unset().isEmpty()) {
            return message;
        }
        return message + " (the environment variable " + at.unset() + " in {$...} is not set, so it became \"\")";
    }

    /**
     * An error of plugin {@code name}'s setup at {@code at}: {@code plugin/NAME: MESSAGE}, as CoreDNS's
     * plugin.Error. Every setup error gets its prefix here (through {@link Dispenser#pluginErr}).
     */
    public static ConfigException plugin(String name, Token at, String message) {
        return new ConfigException(at, "plugin/" + name + ": " + message);
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    /** The message without the {@code FILE:LINE} prefix. */
    public String detail() {
        return detail;
    }

    private static String format(String file, int line, String message) {
        return (file == null ? "" : file) + ":" + line + " - Error during parsing: " + (message == null ? "" : message);
    }
}
