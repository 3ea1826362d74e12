package io.nodedns.testing;

/**
 * A label whose text differs between dig and CoreDNS: "A", a space, "b", "'", "$", "@" and the
 * byte 0x07. CoreDNS 1.10.1's plugins see a query name as miekg/dns v1.1.50's UnpackDomainName
 * writes it: the space, {@code '} and {@code @} after a backslash (isDomainNameLabelSpecial), the
 * {@code $} as is (printable and not special), 0x07 as {@code \007} (escapeByte, for bytes below
 * a space). dig writes the space as {@code \032}, {@code '} as is and {@code $} as {@code \$}.
 */
public final class EscapedLabel {
    /** The label as dig (and dnsjava) writes it: what a test builds its query from. */
    public static final String DIG = "A\\032b'\\$\\@\\007";
    /** The label as CoreDNS's plugins see it with the case kept ({@code request.QName}, {@code .Question.Name}). */
    public static final String COREDNS = "A\\ b\\'$\\@\\007";
    /** The same, lower case, as {@code request.Name()} gives it. */
    public static final String COREDNS_LOWER = "a\\ b\\'$\\@\\007";
    /**
     * A regex (RE2 and Java) that matches exactly {@link #COREDNS_LOWER}, written without spaces,
     * quotes or a backslash before a quote so that it is one Corefile token quoted or not.
     */
    public static final String COREDNS_LOWER_REGEX = "a\\x5c\\x20b\\x5c'[$]\\x5c@\\x5c007";

    private EscapedLabel() {}
}
