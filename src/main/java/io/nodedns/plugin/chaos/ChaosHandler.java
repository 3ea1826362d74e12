package io.nodedns.plugin.chaos;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.wire.AnswerWriter;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Names;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.Records;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Answers TXT queries of class CH for version.bind, version.server, authors.bind, hostname.bind
 * and id.server (CoreDNS plugin/chaos); every other query goes to the next plugin. Replies are
 * NOERROR, not authoritative, TTL 0, owned by the question name as the client wrote it.
 */
final class ChaosHandler extends ChainHandler {
    private static final int VERSION = 0;
    private static final int AUTHORS = 1;
    private static final int HOSTNAME = 2;
    private static final String[] NAMES = {"version.bind.", "version.server.", "authors.bind.", "hostname.bind.",
            "id.server."};
    private static final int[] KINDS = {VERSION, VERSION, AUTHORS, HOSTNAME, HOSTNAME};

    private final UnsafeBuffer[] wireNames = new UnsafeBuffer[NAMES.length];
    private final int[] wireLengths = new int[NAMES.length];
    private final byte[] version;
    private final byte[][] authors;
    private final byte[] hostname;

    ChaosHandler(ChaosConfig config) {
        super("chaos");
        for (int i = 0; i < NAMES.length; i++) {
            wireNames[i] = new UnsafeBuffer(new byte[Names.MAX_NAME_LENGTH + 1]);
            wireLengths[i] = Names.fromString(NAMES[i], wireNames[i], 0);
        }
        version = config.version().getBytes(StandardCharsets.UTF_8);
        hostname = config.hostname().getBytes(StandardCharsets.UTF_8);
        authors = new byte[config.authors().size()][];
        for (int i = 0; i < authors.length; i++) {
            authors[i] = config.authors().get(i).getBytes(StandardCharsets.UTF_8);
        }
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        if (q.qclass() != Records.CLASS_CH || q.qtype() != Records.TYPE_TXT) {
            return next(ex);
        }
        int kind = kind(ex, q);
        if (kind < 0) {
            return next(ex);
        }
        ExpandableDirectByteBuffer out = ex.response();
        int pos = AnswerWriter.begin(q, ex.request(), out, 0, DnsHeader.RCODE_NOERROR);
        int count;
        if (kind == AUTHORS) {
            // CoreDNS serves the authors in a random order; a random rotation spreads them as well
            int start = authors.length == 0 ? 0 : ThreadLocalRandom.current().nextInt(authors.length);
            for (int i = 0; i < authors.length; i++) {
                pos = txt(out, pos, authors[(start + i) % authors.length]);
            }
            count = authors.length;
        } else {
            pos = txt(out, pos, kind == VERSION ? version : hostname);
            count = 1;
        }
        AnswerWriter.count(out, 1, count);
        ex.written(pos, "chaos");
        return Result.WRITTEN;
    }

    private int kind(Exchange ex, QueryView q) {
        for (int i = 0; i < NAMES.length; i++) {
            if (q.qnameLength() == wireLengths[i]
                    && Names.equalsIgnoreCase(ex.request(), q.qnameOffset(), wireNames[i], 0, wireLengths[i])) {
                return KINDS[i];
            }
        }
        return -1;
    }

    private static int txt(ExpandableDirectByteBuffer out, int pos, byte[] text) {
        int rdata = AnswerWriter.record(out, pos, Records.TYPE_TXT, Records.CLASS_CH, 0);
        return AnswerWriter.end(out, rdata, AnswerWriter.characterString(out, rdata, text));
    }
}
