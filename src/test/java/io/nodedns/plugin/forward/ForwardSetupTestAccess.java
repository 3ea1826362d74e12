package io.nodedns.plugin.forward;

import io.nodedns.config.ConfigException;

/** Parses one forward line in a root block (tests outside ForwardSetupTest). */
final class ForwardSetupTestAccess {
    private ForwardSetupTestAccess() {}

    static ForwardConfig parse(String body) throws ConfigException {
        return ForwardTesting.forwardsOf(ForwardTesting.build(". {\n" + body + "\n}\n").configs().getFirst())
                .getFirst().config();
    }
}
