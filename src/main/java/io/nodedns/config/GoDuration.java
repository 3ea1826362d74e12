package io.nodedns.config;

import java.math.BigInteger;
import java.time.Duration;

/** Go's time.ParseDuration and Duration.String, so durations read and print as in CoreDNS. */
public final class GoDuration {

    private static final BigInteger LIMIT = BigInteger.ONE.shiftLeft(63); // |d| <= 2^63 ns
    private static final long TWO_POW_63_OVER_10 = Long.MAX_VALUE / 10;
    private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);

    private GoDuration() {}

    /**
     * Parses a signed sequence of decimal numbers, each with an optional fraction and a unit
     * (ns, us, µs, ms, s, m, h), e.g. "300ms", "-1.5h", "2h45m". "0" alone needs no unit.
     *
     * @throws IllegalArgumentException with Go's message for anything else
     */
    public static Duration parse(String s) {
        if (s == null) {
            throw new IllegalArgumentException("time: invalid duration \"\"");
        }
        String quoted = "\"" + s + "\"";
        int i = 0;
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        if (s.substring(i).equals("0")) {
            return Duration.ZERO;
        }
        if (i == s.length()) {
            throw new IllegalArgumentException("time: invalid duration " + quoted);
        }
        BigInteger total = BigInteger.ZERO;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                throw new IllegalArgumentException("time: invalid duration " + quoted);
            }
            // integer part; Go rejects (rather than saturates) an overflowing one
            int start = i;
            long whole = 0;
            while (i < s.length() && isDigit(s.charAt(i))) {
                if (whole > TWO_POW_63_OVER_10) {
                    throw new IllegalArgumentException("time: invalid duration " + quoted);
                }
                whole = whole * 10 + (s.charAt(i) - '0');
                if (whole < 0) {
                    throw new IllegalArgumentException("time: invalid duration " + quoted);
                }
                i++;
            }
            boolean hasWhole = i != start;
            long fraction = 0;
            double scale = 1;
            boolean hasFraction = false;
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
                int fractionStart = i;
                boolean overflow = false;
                while (i < s.length() && isDigit(s.charAt(i))) {
                    // like Go, digits beyond int64 precision are read but ignored
                    if (!overflow) {
                        if (fraction > TWO_POW_63_OVER_10) {
                            overflow = true;
                        } else {
                            fraction = fraction * 10 + (s.charAt(i) - '0');
                            scale *= 10;
                        }
                    }
                    i++;
                }
                hasFraction = i != fractionStart;
            }
            if (!hasWhole && !hasFraction) {
                throw new IllegalArgumentException("time: invalid duration " + quoted);
            }
            int unitStart = i;
            while (i < s.length() && s.charAt(i) != '.' && !isDigit(s.charAt(i))) {
                i++;
            }
            if (unitStart == i) {
                throw new IllegalArgumentException("time: missing unit in duration " + quoted);
            }
            String unitName = s.substring(unitStart, i);
            long unit = unitNanos(unitName);
            if (unit == 0) {
                throw new IllegalArgumentException("time: unknown unit \"" + unitName + "\" in duration " + quoted);
            }
            BigInteger value = BigInteger.valueOf(whole).multiply(BigInteger.valueOf(unit));
            if (value.compareTo(LIMIT) > 0) {
                throw new IllegalArgumentException("time: invalid duration " + quoted);
            }
            if (fraction > 0) {
                // Go does this step in float64; doing the same keeps rounding identical
                value = value.add(BigInteger.valueOf((long) ((double) fraction * ((double) unit / scale))));
                if (value.compareTo(LIMIT) > 0) {
                    throw new IllegalArgumentException("time: invalid duration " + quoted);
                }
            }
            total = total.add(value);
            if (total.compareTo(LIMIT) > 0) {
                throw new IllegalArgumentException("time: invalid duration " + quoted);
            }
        }
        if (negative) {
            total = total.negate();
        } else if (total.compareTo(LIMIT) >= 0) {
            throw new IllegalArgumentException("time: invalid duration " + quoted);
        }
        return Duration.ofNanos(total.longValue());
    }

    /** Formats like Go's Duration.String: "1h2m3.5s", "300ms", "1.5µs", "0s". */
    public static String format(Duration d) {
        BigInteger nanos = BigInteger.valueOf(d.getSeconds()).multiply(NANOS_PER_SECOND)
                .add(BigInteger.valueOf(d.getNano()));
        if (nanos.signum() == 0) {
            return "0s";
        }
        String sign = nanos.signum() < 0 ? "-" : "";
        BigInteger u = nanos.abs();
        if (u.compareTo(NANOS_PER_SECOND) < 0) {
            long n = u.longValue();
            if (n < 1_000) {
                return sign + n + "ns";
            }
            if (n < 1_000_000) {
                return sign + (n / 1_000) + fractionSuffix(n % 1_000, 3) + "\u00b5s";
            }
            return sign + (n / 1_000_000) + fractionSuffix(n % 1_000_000, 6) + "ms";
        }
        BigInteger[] secondsAndNanos = u.divideAndRemainder(NANOS_PER_SECOND);
        String secondsFraction = fractionSuffix(secondsAndNanos[1].longValue(), 9);
        BigInteger[] minutes = secondsAndNanos[0].divideAndRemainder(BigInteger.valueOf(60));
        StringBuilder out = new StringBuilder(sign);
        if (minutes[0].signum() > 0) {
            BigInteger[] hours = minutes[0].divideAndRemainder(BigInteger.valueOf(60));
            if (hours[0].signum() > 0) {
                out.append(hours[0]).append('h');
            }
            out.append(hours[1]).append('m');
        }
        out.append(minutes[1]).append(secondsFraction).append('s');
        return out.toString();
    }

    /** ".5" for (500, 3): a fraction of {@code digits} decimals, trailing zeros dropped, "" if zero. */
    private static String fractionSuffix(long rest, int digits) {
        return rest == 0 ? "" : "." + trimZeros(pad(rest, digits));
    }

    private static String pad(long n, int digits) {
        StringBuilder s = new StringBuilder(Long.toString(n));
        while (s.length() < digits) {
            s.insert(0, '0');
        }
        return s.toString();
    }

    private static String trimZeros(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '0') {
            end--;
        }
        return s.substring(0, end);
    }

    private static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "us", "\u00b5s", "\u03bcs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            default -> 0L;
        };
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
