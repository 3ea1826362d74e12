package io.nodedns.plugin.dns64;

/**
 * What {@code dns64} sets up.
 *
 * @param prefix       the IPv6 prefix (16 bytes, host bits zero) the IPv4 address is embedded in
 * @param prefixLength 32, 40, 48, 56, 64 or 96 (RFC 6052 2.2)
 * @param translateAll synthesise even when the AAAA reply has AAAA records (not RFC 6147 5.1.1)
 * @param allowIpv4    also serve clients that query over IPv4
 */
public record Dns64Config(byte[] prefix, int prefixLength, boolean translateAll, boolean allowIpv4) {
}
