package io.nodedns.plugin.nodecache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nodedns.testing.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands nodecache issues, against a simulated node (this kernel has no dummy link type, so
 * the dummy path is checked here as issued commands; the netns tests run the rest for real).
 */
class NodeNetworkTest {
    @TempDir
    Path dir;

    private static NodecacheConfig config(List<NodecacheConfig.Target> targets, Path lockDir, boolean skipTeardown) {
        return new NodecacheConfig(targets, "nodelocaldns", true, true, Duration.ofSeconds(60), skipTeardown, 8080,
                NodecacheConfig.Backend.AUTO, lockDir);
    }

    private static final List<NodecacheConfig.Target> V4 = List.of(new NodecacheConfig.Target("169.254.20.10", 53));

    @Test
    void createsDummyLinkAndInstallsTwelveRulesInNodeCacheForm() {
        FakeNode node = new FakeNode();
        NodeNetwork network = new NodeNetwork(node);
        network.configure(config(V4, null, false));
        assertTrue(node.issued("ip -d link show dev nodelocaldns"));
        assertTrue(node.issued("ip link add name nodelocaldns type dummy"));
        assertTrue(node.issued("ip link set dev nodelocaldns up"));
        assertTrue(node.issued("ip addr add 169.254.20.10/32 dev nodelocaldns"));
        int before = node.commands.size();
        network.start();
        network.shutdown(); // stop the timer; teardown checked below
        List<String> inserts = new ArrayList<>();
        for (List<String> c : node.commands.subList(before, node.commands.size())) {
            if (c.contains("-I")) {
                inserts.add(String.join(" ", c));
            }
        }
        assertEquals(12, inserts.size(), inserts.toString());
        assertEquals(
                "iptables-nft -w 5 -t raw -I PREROUTING 1 -p tcp -d 169.254.20.10 --dport 53 -j NOTRACK -m comment "
                        + "--comment NodeLocal DNS Cache: skip conntrack",
                inserts.getFirst());
        assertTrue(inserts.contains(
                "iptables-nft -w 5 -t filter -I INPUT 1 -p udp -d 169.254.20.10 --dport 53 -j ACCEPT -m comment "
                        + "--comment NodeLocal DNS Cache: allow DNS traffic"));
        assertTrue(inserts.contains(
                "iptables-nft -w 5 -t raw -I OUTPUT 1 -p tcp -s 169.254.20.10 --sport 8080 -j NOTRACK -m comment "
                        + "--comment NodeLocal DNS Cache: skip conntrack"));
        assertTrue(node.issued("ip link del dev nodelocaldns"), "a dummy link is deleted at teardown");
        assertEquals(List.of(), node.lines("iptables-nft/raw"));
        assertEquals(List.of(), node.lines("iptables-nft/filter"));
    }

    /** Issue 22 item 7: a fresh start says what it installed; only a rule removed later is "added back". */
    @Test
    void freshStartInstallsWithoutAddedBackAndSaysWhatItDid() {
        FakeNode node = new FakeNode();
        List<String> spec = Rule.forAddress("169.254.20.10", 53, 8080).getFirst().spec();
        node.tables.put("iptables-nft/raw", new ArrayList<>(List.of(FakeNode.saveLine("PREROUTING", spec)))); // left by a killed instance
        NodeNetwork network = new NodeNetwork(node);
        network.configure(config(V4, null, true));
        try (LogCapture log = new LogCapture()) {
            network.syncOnce();
            assertEquals(List.of(), log.lines().stream().filter(l -> l.contains("Added back")).toList());
            assertTrue(log.lines().contains(
                    "[INFO] plugin/nodecache: iptables-nft raw: installed 7 nodelocaldns rules, 1 already in place"),
                    log.lines().toString());
            assertTrue(log.lines().contains(
                    "[INFO] plugin/nodecache: iptables-nft filter: installed 4 nodelocaldns rules, 0 already in place"),
                    log.lines().toString());
            int before = log.lines().size();
            network.syncOnce();
            assertEquals(before, log.lines().size(), "a pass with nothing to do logs nothing: " + log.lines());
            node.tables.get("iptables-nft/raw").removeFirst(); // someone deleted a rule
            network.syncOnce();
            List<String> added = log.lines().subList(before, log.lines().size());
            assertEquals(1, added.size(), added.toString());
            assertTrue(added.getFirst().startsWith("[INFO] plugin/nodecache: Added back nodelocaldns rule - "),
                    added.toString());
        } finally {
            network.shutdown();
        }
    }

    @Test
    void existingInterfaceKeepsTheLinkAndLosesOnlyOurAddress() {
        FakeNode node = new FakeNode();
        node.links.put("eth9", "veth");
        node.addresses.put("eth9", new ArrayList<>(List.of("10.0.0.1/24")));
        NodeNetwork network = new NodeNetwork(node);
        NodecacheConfig c = config(V4, null, false);
        network.configure(new NodecacheConfig(c.targets(), "eth9", true, false, c.syncInterval(), false, 8080,
                c.backend(), null));
        assertFalse(node.commands.stream().anyMatch(x -> x.contains("add") && x.contains("type")), "no link created");
        assertEquals(List.of("10.0.0.1/24", "169.254.20.10/32"), node.addresses.get("eth9"));
        network.configure(new NodecacheConfig(c.targets(), "eth9", true, false, c.syncInterval(), false, 8080,
                c.backend(), null));
        assertEquals(List.of("10.0.0.1/24", "169.254.20.10/32"), node.addresses.get("eth9"), "re-adding is harmless");
        network.shutdown();
        assertEquals("veth", node.links.get("eth9"));
        assertEquals(List.of("10.0.0.1/24"), node.addresses.get("eth9"));
    }

    @Test
    void leftoverAndDuplicateRulesEndAsOneCopyEach() {
        FakeNode node = new FakeNode();
        List<String> spec = Rule.forAddress("169.254.20.10", 53, 8080).getFirst().spec();
        String line = FakeNode.saveLine("PREROUTING", spec);
        node.tables.put("iptables-nft/raw", new ArrayList<>(List.of(line, line, line)));
        NodeNetwork network = new NodeNetwork(node);
        network.configure(config(V4, null, true));
        network.syncOnce();
        network.syncOnce();
        List<String> raw = node.lines("iptables-nft/raw");
        assertEquals(1, raw.stream().filter(line::equals).count(), raw.toString());
        assertEquals(8, raw.size(), "8 raw rules, once each: " + raw);
        assertEquals(4, node.lines("iptables-nft/filter").size());
        network.shutdown();
        assertEquals(8, node.lines("iptables-nft/raw").size(), "skipteardown leaves them");
    }

    @Test
    void lockContentionIsCountedAndRetriedNeverThrown() {
        FakeNode node = new FakeNode();
        node.failIptablesWith = "Another app is currently holding the xtables lock. Stopped waiting after 5s.";
        NodeNetwork network = new NodeNetwork(node);
        network.configure(config(V4, null, true));
        assertFalse(network.syncOnce());
        assertEquals(12, network.errors().count("iptables_lock"));
        node.failIptablesWith = null;
        assertTrue(network.syncOnce(), "the next pass succeeds");
        assertEquals(12, node.lines("iptables-nft/raw").size() + node.lines("iptables-nft/filter").size());
        network.shutdown();
    }

    @Test
    void ipv6UsesIp6tablesAndFullLengthPrefix() {
        FakeNode node = new FakeNode();
        NodeNetwork network = new NodeNetwork(node);
        network.configure(config(List.of(new NodecacheConfig.Target("fd00::10", 53)), null, true));
        assertTrue(node.issued("ip -6 addr add fd00::10/128 dev nodelocaldns nodad"));
        network.syncOnce();
        assertEquals(8, node.lines("ip6tables-nft/raw").size());
        assertTrue(node.lines("iptables-nft/raw").isEmpty());
        network.shutdown();
    }

    @Test
    void backendFollowsKubeProxyHintThenRuleCount() {
        FakeNode node = new FakeNode();
        assertEquals("nft", Backends.detect(node), "tie goes to nft");
        node.tables.put("iptables-legacy/nat", new ArrayList<>(List.of("-A X -j ACCEPT", "-A Y -j ACCEPT")));
        assertEquals("legacy", Backends.detect(node), "more legacy rules");
        node.tables.put("iptables-nft/mangle", new ArrayList<>(List.of(":KUBE-IPTABLES-HINT - [0:0]")));
        assertEquals("nft", Backends.detect(node), "kube-proxy's hint chain wins");
        node.hasNft = false;
        assertEquals("legacy", Backends.detect(node));
        node.hasLegacy = false;
        assertEquals("", Backends.detect(node));
        assertEquals("iptables", Backends.command(NodecacheConfig.Backend.AUTO, "", false));
        assertEquals("ip6tables-legacy", Backends.command(NodecacheConfig.Backend.LEGACY, "", true));
    }

    @Test
    void onlyTheLastHolderTearsDown() throws Exception {
        FakeNode node = new FakeNode();
        NodeNetwork first = new NodeNetwork(node);
        NodeNetwork second = new NodeNetwork(node);
        first.configure(config(V4, dir, false));
        first.start();
        second.configure(config(V4, dir, false));
        second.start();
        first.shutdown();
        assertEquals(12, node.lines("iptables-nft/raw").size() + node.lines("iptables-nft/filter").size(),
                "rules stay while another instance is registered");
        assertTrue(node.links.containsKey("nodelocaldns"));
        second.shutdown();
        assertEquals(0, node.lines("iptables-nft/raw").size() + node.lines("iptables-nft/filter").size());
        assertFalse(node.links.containsKey("nodelocaldns"));
    }

    @Test
    void saveLinesMatchOnlyExactRules() {
        Rule rule = Rule.forAddress("fd00::10", 53, 8080).get(1);
        assertTrue(rule.matches(SaveLine.parse("-A PREROUTING -d fd00::10/128 -p udp -m udp --dport 53 -m comment "
                + "--comment \"NodeLocal DNS Cache: skip conntrack\" -j NOTRACK")));
        assertFalse(
                rule.matches(SaveLine.parse("-A PREROUTING -d fd00::10/128 -i eth0 -p udp -m udp --dport 53 -m comment "
                        + "--comment \"NodeLocal DNS Cache: skip conntrack\" -j NOTRACK")),
                "extra match");
        assertFalse(rule.matches(SaveLine.parse("-A PREROUTING -d fd00::10/64 -p udp -m udp --dport 53 -m comment "
                + "--comment \"NodeLocal DNS Cache: skip conntrack\" -j NOTRACK")), "other prefix");
        assertFalse(rule.matches(SaveLine.parse("-A PREROUTING -d fd00::10/128 -p udp -m udp --dport 53 -j NOTRACK")),
                "no comment (coredns-nodecache's rules are not node-cache's)");
    }
}
