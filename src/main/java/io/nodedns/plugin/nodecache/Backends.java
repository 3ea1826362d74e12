package io.nodedns.plugin.nodecache;

import java.util.List;

/**
 * Picks the iptables backend the node's other agents (kube-proxy, the CNI) use, the way
 * kubernetes-sigs/iptables-wrappers does: a kubelet/kube-proxy hint chain decides; otherwise the
 * backend holding more rules; a tie goes to nft. Rules in the wrong backend would be invisible to
 * the packets that matter (both backends' hooks run, but kube-proxy's DNAT lives in one of them).
 */
final class Backends {
    private Backends() {}

    /** The base command for a family ({@code iptables-nft}, {@code ip6tables-legacy}, or plain {@code iptables}). */
    static String command(NodecacheConfig.Backend backend, String suffix, boolean ipv6) {
        String family = ipv6 ? "ip6tables" : "iptables";
        return switch (backend) {
            case NFT -> family + "-nft";
            case LEGACY -> family + "-legacy";
            case AUTO -> suffix.isEmpty() ? family : family + "-" + suffix;
        };
    }

    /** "nft", "legacy", or "" (only plain iptables exists) for {@link NodecacheConfig.Backend#AUTO}. */
    static String detect(CommandRunner runner) {
        Probe legacy = probe(runner, "legacy");
        Probe nft = probe(runner, "nft");
        if (!legacy.ran && !nft.ran) {
            return "";
        }
        if (!legacy.ran || !nft.ran) {
            return legacy.ran ? "legacy" : "nft";
        }
        for (String hint : List.of("KUBE-IPTABLES-HINT", "KUBE-KUBELET-CANARY")) {
            boolean inLegacy = legacy.text.contains(hint);
            boolean inNft = nft.text.contains(hint);
            if (inLegacy != inNft) {
                return inLegacy ? "legacy" : "nft";
            }
        }
        return legacy.rules > nft.rules ? "legacy" : "nft";
    }

    private record Probe(boolean ran, String text, int rules) {
    }

    private static Probe probe(CommandRunner runner, String suffix) {
        StringBuilder text = new StringBuilder();
        boolean ran = false;
        for (String family : List.of("iptables", "ip6tables")) {
            CommandRunner.Outcome o = runner.run(List.of(family + "-" + suffix + "-save"));
            if (o.ok()) {
                ran = true;
                text.append(o.output()).append('\n');
            }
        }
        int rules = 0;
        for (String line : text.toString().split("\n")) {
            if (line.startsWith("-")) {
                rules++;
            }
        }
        return new Probe(ran, text.toString(), rules);
    }
}
