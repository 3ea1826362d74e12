package io.nodedns.plugin.acl;

import java.util.List;

/**
 * The acl directives of one block: each rule's zones and its policies, in Corefile order.
 *
 * @param rules one per {@code acl} directive
 */
public record AclConfig(List<Rule> rules) {
    public AclConfig {
        rules = List.copyOf(rules);
    }

    public enum Action {
        ALLOW, BLOCK, FILTER, DROP
    }

    /** {@code acl [ZONES...] { POLICY... }}: zones lower case and fully qualified. */
    public record Rule(List<String> zones, List<Policy> policies) {
        public Rule {
            zones = List.copyOf(zones);
            policies = List.copyOf(policies);
        }
    }

    /**
     * {@code ACTION [type QTYPE...] [net SOURCE...]}.
     *
     * @param qtypes  the types matched; empty means every type ({@code *} or no {@code type} section)
     * @param sources the networks matched; empty means every address ({@code *} or no {@code net})
     */
    public record Policy(Action action, List<Integer> qtypes, List<Network> sources) {
        public Policy {
            qtypes = List.copyOf(qtypes);
            sources = List.copyOf(sources);
        }
    }

    /** An address prefix: 4 or 16 bytes and the prefix length in bits. */
    public record Network(byte[] address, int bits) {
    }
}
