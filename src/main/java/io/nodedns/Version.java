package io.nodedns;

/** The build's version string, read from the jar manifest when packaged. */
public final class Version {
    private Version() {}

    public static String get() {
        return of(Version.class.getPackage().getImplementationVersion());
    }

    /** The manifest's Implementation-Version, or "dev" when run from classes without a manifest. */
    static String of(String implementationVersion) {
        return implementationVersion == null || implementationVersion.isBlank() ? "dev" : implementationVersion;
    }
}
