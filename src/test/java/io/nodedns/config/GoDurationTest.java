package io.nodedns.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {

    @ParameterizedTest
    @CsvSource({
            "0, 0",
            "+0, 0",
            "-0, 0",
            "0s, 0",
            "5s, 5000000000",
            "30s, 30000000000",
            "1478s, 1478000000000",
            "-5s, -5000000000",
            "+5s, 5000000000",
            "-0s, 0",
            "1.5s, 1500000000",
            ".5s, 500000000",
            "1.s, 1000000000",
            "1.0s, 1000000000",
            "1.004s, 1004000000",
            "100.00100s, 100001000000",
            "10ns, 10",
            "11us, 11000",
            "12µs, 12000",
            "12μs, 12000",
            "13ms, 13000000",
            "300ms, 300000000",
            "14s, 14000000000",
            "15m, 900000000000",
            "16h, 57600000000000",
            "1h2m, 3720000000000",
            "3h30m, 12600000000000",
            "10.5s4m, 250500000000",
            "-2m3.4s, -123400000000",
            "1h2m3s4ms5us6ns, 3723004005006",
            "39h9m14.425s, 140954425000000",
            "52763797000ns, 52763797000",
            "0.3333333333333333333h, 1200000000000",
            "9007199254740993ns, 9007199254740993",
            "9223372036854775807ns, 9223372036854775807",
            "9223372036854775.807us, 9223372036854775807",
            "9223372036s854ms775us807ns, 9223372036854775807",
            "0.100000000000000000000h, 360000000000",
            "0.830103483285477580700h, 2988372539827",
    })
    void parsesLikeGo(String text, long nanos) {
        assertEquals(Duration.ofNanos(nanos), GoDuration.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "1.5", "1s5", "x1s", " 1s", "1s ",
            "1 s", "1S", "1H", "9223372036854775808ns", "9223372036854775807ns1ns", "3000000h", "1e3s", "--1s",
            "1..5s", "1.5.5s"})
    void rejectsLikeGo(String text) {
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(text));
    }

    @Test
    void errorMessagesFollowGo() {
        assertEquals("time: missing unit in duration \"10\"",
                assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("10")).getMessage());
        assertEquals("time: unknown unit \"d\" in duration \"1d\"",
                assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("1d")).getMessage());
        assertEquals("time: invalid duration \"\"",
                assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(null)).getMessage()
                .startsWith("time: invalid duration"));
    }

    @ParameterizedTest
    @CsvSource({
            "0, 0s",
            "1, 1ns",
            "1100, 1.1µs",
            "2200000, 2.2ms",
            "3300000000, 3.3s",
            "240000000000, 4m0s",
            "245000000000, 4m5s",
            "245001000000, 4m5.001s",
            "18305001000000, 5h5m5.001s",
            "3600000000000, 1h0m0s",
            "300000000, 300ms",
            "1000000000, 1s",
            "-1500000000, -1.5s",
            "-1, -1ns",
            "9223372036854775807, 2562047h47m16.854775807s",
            "-9223372036854775807, -2562047h47m16.854775807s",
    })
    void formatsLikeGo(long nanos, String text) {
        assertEquals(text, GoDuration.format(Duration.ofNanos(nanos)));
    }

    @Test
    void formatRoundTripsThroughParse() {
        for (String s : new String[]{"1h0m0s", "1.5s", "300ms", "4m5.001s", "1.1µs", "7ns"}) {
            assertEquals(s, GoDuration.format(GoDuration.parse(s)));
        }
    }

    @Test
    void formatHandlesDurationsBeyondGoRange() {
        assertEquals("2777777777h46m40s", GoDuration.format(Duration.ofSeconds(10_000_000_000_000L)));
    }
}
