package io.nodedns.wire;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RecordsTest {
    @Test
    void zoneTransferIsAxfrOrIxfrOnly() {
        assertTrue(Records.isZoneTransfer(Records.TYPE_AXFR));
        assertTrue(Records.isZoneTransfer(Records.TYPE_IXFR));
        for (int qtype : new int[]{Records.TYPE_A, Records.TYPE_SOA, Records.TYPE_TSIG, Records.TYPE_ANY, 253, 254}) {
            assertFalse(Records.isZoneTransfer(qtype), Integer.toString(qtype));
        }
    }
}
