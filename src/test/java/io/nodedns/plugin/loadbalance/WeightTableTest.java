package io.nodedns.plugin.loadbalance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.wire.Names;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The weight table's owner lookup: one probe of its name table, whatever the file holds. */
class WeightTableTest {
    private static final UnsafeBuffer WIRE = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);

    private static int domain(WeightTable t, String name) {
        return t.domain(WIRE, 0, Names.fromString(name, WIRE, 0));
    }

    @Test
    void findsEachDomainOfALargeFileIgnoringCase() throws Exception {
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            file.append("d").append(i).append(".example.org\n192.0.2.1 ").append(i % 255 + 1).append('\n');
        }
        WeightTable t = WeightTable.parse("w", file.toString());
        assertEquals(2000, t.domains());
        for (int i = 0; i < 2000; i += 7) {
            int d = domain(t, "D" + i + ".Example.ORG.");
            assertEquals(i, d, "domain " + i);
            assertEquals(i % 255 + 1, t.weight(d, new UnsafeBuffer(new byte[]{(byte) 192, 0, 2, 1}), 0, 4));
            assertEquals(1, t.weight(d, new UnsafeBuffer(new byte[]{(byte) 192, 0, 2, 2}), 0, 4), "unnamed address");
        }
        assertEquals(-1, domain(t, "d2000.example.org."));
        assertEquals(-1, domain(t, "example.org."), "a parent of the domains is not one of them");
        assertEquals(-1, domain(WeightTable.EMPTY, "d1.example.org."));
        assertEquals(1, t.weight(-1, new UnsafeBuffer(new byte[4]), 0, 4), "no domain: weight 1");
    }

    @Test
    void aDomainNamedTwiceKeepsBothLines() throws Exception {
        WeightTable t = WeightTable.parse("w",
                "a.example.\n192.0.2.1 3\nb.example.\n192.0.2.1 4\nA.example\n192.0.2.2 5\n");
        assertEquals(2, t.domains());
        int a = domain(t, "a.example.");
        assertEquals(5, t.weight(a, new UnsafeBuffer(new byte[]{(byte) 192, 0, 2, 2}), 0, 4));
        assertEquals(4, t.weight(domain(t, "b.example."), new UnsafeBuffer(new byte[]{(byte) 192, 0, 2, 1}), 0, 4));
    }
}
