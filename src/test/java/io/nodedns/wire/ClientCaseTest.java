package io.nodedns.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** RFC 4343 4.1: every way an owner name can spell the question gets the client's bytes. */
class ClientCaseTest {
    private static final byte[] LOWER = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0};
    private static final byte[] UPPER = {3, 'W', 'W', 'W', 7, 'E', 'X', 'A', 'M', 'P', 'L', 'E', 3, 'O', 'R', 'G', 0};
    private static final byte[] A_TAIL = {0, 1, 0, 1, 0, 0, 0, 60, 0, 4, (byte) 192, 0, 2, 1};

    @Test
    void questionAndEveryEqualOwnerTakeTheClientsBytes() throws Exception {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[]{0, 7, (byte) 0x81, (byte) 0x80, 0, 1, 0, 4, 0, 0, 0, 0});
        b.writeBytes(LOWER);
        b.writeBytes(new byte[]{0, 1, 0, 1});
        b.writeBytes(new byte[]{(byte) 0xC0, 12}); // 1: a pointer to the question
        b.writeBytes(A_TAIL);
        b.writeBytes(new byte[]{3, 'W', 'w', 'W', (byte) 0xC0, 16}); // 2: own label, then the question's suffix
        b.writeBytes(A_TAIL);
        b.writeBytes(UPPER); // 3: spelled out in full
        b.writeBytes(A_TAIL);
        b.writeBytes(new byte[]{4, 'M', 'A', 'I', 'L', (byte) 0xC0, 16}); // 4: another name
        b.writeBytes(A_TAIL);
        final byte[] wire = b.toByteArray();
        final UnsafeBuffer reply = new UnsafeBuffer(wire.clone());

        final byte[] client = {3, 'w', 'W', 'w', 7, 'E', 'x', 'A', 'm', 'P', 'l', 'E', 3, 'o', 'R', 'g', 0};
        final UnsafeBuffer req = new UnsafeBuffer(new byte[40]);
        req.putBytes(5, client);

        assertEquals(2, ClientCase.restore(reply, wire.length, req, 5, client.length),
                "owners 2 and 3 have bytes of their own");
        final byte[] out = new byte[wire.length];
        reply.getBytes(0, out);
        final Message m = new Message(out);
        assertEquals("wWw.ExAmPlE.oRg.", m.getQuestion().getName().toString());
        final List<Record> answers = m.getSection(Section.ANSWER);
        for (int i = 0; i < 3; i++) {
            assertEquals("wWw.ExAmPlE.oRg.", answers.get(i).getName().toString(), "owner " + (i + 1));
            assertEquals(Type.A, answers.get(i).getType());
        }
        assertEquals("MAIL.ExAmPlE.oRg.", answers.get(3).getName().toString(), "other names keep their labels");
    }

    @Test
    void aReplyForAnotherNameIsLeftAlone() {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[]{0, 7, (byte) 0x81, (byte) 0x80, 0, 1, 0, 0, 0, 0, 0, 0});
        b.writeBytes(UPPER);
        b.writeBytes(new byte[]{0, 1, 0, 1});
        final byte[] wire = b.toByteArray();
        final UnsafeBuffer reply = new UnsafeBuffer(wire.clone());
        final byte[] other = {3, 'f', 't', 'p', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0};
        assertEquals(-1, ClientCase.restore(reply, wire.length, new UnsafeBuffer(other), 0, other.length));
        final byte[] out = new byte[wire.length];
        reply.getBytes(0, out);
        assertEquals(new String(wire, java.nio.charset.StandardCharsets.ISO_8859_1),
                new String(out, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
}
