package io.nodedns.plugin.template;

/** Go's strconv functions that CoreDNS registers for templates, with Go's error texts. */
final class GoStrconv {
    private GoStrconv() {}

    /** Go's strconv.ParseUint, the function CoreDNS registers as parseInt; the result is unsigned. */
    static long parseUint(String s, long base, long bits) throws GoTemplate.Failure {
        String prefix = "strconv.ParseUint: parsing \"" + s + "\": ";
        if (bits == 0) {
            bits = 64;
        } else if (bits < 0 || bits > 64) {
            throw new GoTemplate.Failure(prefix + "invalid bit size " + bits);
        }
        String digits = s;
        if (base == 0) {
            base = 10;
            String lower = s.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("0x") || lower.startsWith("0b") || lower.startsWith("0o")) {
                base = lower.charAt(1) == 'x' ? 16 : lower.charAt(1) == 'b' ? 2 : 8;
                digits = s.substring(2);
            } else if (s.length() > 1 && s.charAt(0) == '0') {
                base = 8;
                digits = s.substring(1);
            }
        } else if (base < 2 || base > 36) {
            throw new GoTemplate.Failure(prefix + "invalid base " + base);
        }
        if (digits.isEmpty() || digits.charAt(0) == '+' || digits.charAt(0) == '-') {
            throw new GoTemplate.Failure(prefix + "invalid syntax");
        }
        long value;
        try {
            value = Long.parseUnsignedLong(digits, (int) base);
        } catch (NumberFormatException e) {
            int radix = (int) base;
            boolean allDigits = digits.chars().allMatch(c -> Character.digit(c, radix) >= 0);
            throw new GoTemplate.Failure(prefix + (allDigits ? "value out of range" : "invalid syntax"));
        }
        if (bits < 64 && Long.compareUnsigned(value, (1L << bits) - 1) > 0) {
            throw new GoTemplate.Failure(prefix + "value out of range");
        }
        return value;
    }
}
