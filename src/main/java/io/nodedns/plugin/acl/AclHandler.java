package io.nodedns.plugin.acl;

import io.nodedns.server.ChainHandler;
import io.nodedns.server.ClientAddress;
import io.nodedns.server.Exchange;
import io.nodedns.server.Result;
import io.nodedns.wire.AnswerWriter;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.QueryView;
import io.nodedns.wire.ZoneSet;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.agrona.DirectBuffer;

/**
 * Access control by client address and query type (CoreDNS plugin/acl). Rules are tried in order;
 * in a rule whose zones hold the query name, the first policy matching the type and the client's
 * source address decides: allow (the next plugin answers, no further rule is tried), block
 * (REFUSED), filter (an empty NOERROR reply) or drop (no reply). With no decision the query is
 * allowed. Matching walks preset arrays and reads the address in place: nothing is allocated.
 */
final class AclHandler extends ChainHandler {
    private static final int ALLOW = 0;
    private static final int BLOCK = 1;
    private static final int FILTER = 2;
    private static final int DROP = 3;
    private static final int NONE = -1;

    private final ZoneSet[] zones;
    private final int[][] actions; // [rule][policy]
    private final int[][][] qtypes; // empty: every type
    private final byte[][][][] nets; // empty: every address
    private final int[][][] bits;
    private final LongAdder[][][] counters; // [rule][zone][BLOCK|FILTER|DROP - 1]
    private final LongAdder allowed;

    AclHandler(AclConfig config, AclMetrics metrics, String server) {
        super("acl");
        List<AclConfig.Rule> rules = config.rules();
        int n = rules.size();
        zones = new ZoneSet[n];
        actions = new int[n][];
        qtypes = new int[n][][];
        nets = new byte[n][][][];
        bits = new int[n][][];
        counters = new LongAdder[n][][];
        for (int r = 0; r < n; r++) {
            AclConfig.Rule rule = rules.get(r);
            int z = rule.zones().size();
            zones[r] = ZoneSet.of(rule.zones());
            counters[r] = new LongAdder[z][3];
            for (int i = 0; i < z; i++) {
                String zone = rule.zones().get(i);
                counters[r][i][0] = metrics.counter(AclMetrics.BLOCKED, server, zone);
                counters[r][i][1] = metrics.counter(AclMetrics.FILTERED, server, zone);
                counters[r][i][2] = metrics.counter(AclMetrics.DROPPED, server, zone);
            }
            int p = rule.policies().size();
            actions[r] = new int[p];
            qtypes[r] = new int[p][];
            nets[r] = new byte[p][][];
            bits[r] = new int[p][];
            for (int i = 0; i < p; i++) {
                AclConfig.Policy policy = rule.policies().get(i);
                actions[r][i] = policy.action().ordinal();
                qtypes[r][i] = policy.qtypes().stream().mapToInt(Integer::intValue).toArray();
                nets[r][i] = policy.sources().stream().map(AclConfig.Network::address).toArray(byte[][]::new);
                bits[r][i] = policy.sources().stream().mapToInt(AclConfig.Network::bits).toArray();
            }
        }
        allowed = metrics.counter(AclMetrics.ALLOWED, server, null);
    }

    @Override
    public int serve(Exchange ex) {
        QueryView q = ex.query();
        DirectBuffer req = ex.request();
        for (int r = 0; r < zones.length; r++) {
            int zone = zones[r].longest(req, q.qnameOffset(), q.qnameLength());
            if (zone < 0) {
                continue;
            }
            int action = decide(r, q.qtype(), ex.client());
            if (action == ALLOW) {
                break;
            }
            if (action == BLOCK) {
                counters[r][zone][0].increment();
                return DnsHeader.RCODE_REFUSED;
            }
            if (action == FILTER) {
                counters[r][zone][1].increment();
                ex.written(AnswerWriter.begin(q, req, ex.response(), 0, DnsHeader.RCODE_NOERROR), "acl");
                return Result.WRITTEN;
            }
            if (action == DROP) {
                counters[r][zone][2].increment();
                return Result.DROP;
            }
        }
        allowed.increment();
        return next(ex);
    }

    private int decide(int r, int qtype, ClientAddress client) {
        for (int p = 0; p < actions[r].length; p++) {
            if (matchesType(qtypes[r][p], qtype) && matchesSource(nets[r][p], bits[r][p], client)) {
                return actions[r][p];
            }
        }
        return NONE;
    }

    private static boolean matchesType(int[] types, int qtype) {
        if (types.length == 0) {
            return true;
        }
        for (int t : types) {
            if (t == qtype) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesSource(byte[][] networks, int[] prefixBits, ClientAddress client) {
        if (networks.length == 0) {
            return true;
        }
        int length = client.ipLength();
        for (int i = 0; i < networks.length; i++) {
            if (networks[i].length == length && inPrefix(networks[i], prefixBits[i], client)) {
                return true;
            }
        }
        return false;
    }

    private static boolean inPrefix(byte[] network, int prefix, ClientAddress client) {
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if ((network[i] & 0xFF) != client.ipByte(i)) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return ((network[full] & 0xFF) & mask) == (client.ipByte(full) & mask);
    }
}
