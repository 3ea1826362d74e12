package io.nodedns.config;

import java.util.List;

/** The server blocks of a Corefile plus the warnings collected while parsing it. */
public record ParseResult(List<ServerBlock> blocks, List<ConfigWarning> warnings) {

    public ParseResult {
        blocks = List.copyOf(blocks);
        warnings = List.copyOf(warnings);
    }
}
