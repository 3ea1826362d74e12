package io.nodedns.server;

/**
 * A plugin that labels queries for others (CoreDNS's metadata.Provider): with the metadata plugin in
 * the block, each provider is asked once per query, at the start of the chain, and calls
 * {@link Exchange#metadata(String, String)}. Only queries under metadata's zones pay for it.
 */
public interface MetadataProvider {
    void metadata(Exchange ex);
}
