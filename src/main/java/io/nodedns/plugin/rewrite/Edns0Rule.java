package io.nodedns.plugin.rewrite;

import io.nodedns.server.Exchange;
import io.nodedns.server.Transport;
import io.nodedns.wire.DnsHeader;
import io.nodedns.wire.Edns;
import java.net.InetAddress;
import java.nio.ByteOrder;
import org.agrona.MutableDirectBuffer;

/**
 * {@code edns0 local|nsid|subnet set|append|replace|unset ... [revert]}: edits one option of the
 * request's OPT (added with UDP size 4096 if the query had none, as CoreDNS does). With
 * {@code revert} the reply loses an option this rule added, or gets back the previous data of one
 * it replaced.
 */
final class Edns0Rule extends Rule {
    enum Action {
        SET, APPEND, REPLACE, UNSET
    }

    /** Variables a local option's data may name. */
    enum Variable {
        NONE, QNAME, QTYPE, CLIENT_IP, CLIENT_PORT, PROTOCOL, SERVER_IP, SERVER_PORT
    }

    static final int REVERT_REMOVE = 1;
    static final int REVERT_RESTORE = 2;

    private final Action action;
    final int code;
    private final byte[] data;
    private final Variable variable;
    private final int v4Mask;
    private final int v6Mask;
    private final boolean revert;

    private Edns0Rule(boolean stop, Action action, int code, byte[] data, Variable variable, int v4Mask, int v6Mask,
            boolean revert) {
        super(stop);
        this.action = action;
        this.code = code;
        this.data = data;
        this.variable = variable;
        this.v4Mask = v4Mask;
        this.v6Mask = v6Mask;
        this.revert = revert;
    }

    static Edns0Rule local(boolean stop, Action action, int code, byte[] data, Variable variable, boolean revert) {
        return new Edns0Rule(stop, action, code, data, variable, 0, 0, revert);
    }

    static Edns0Rule nsid(boolean stop, Action action, boolean revert) {
        return new Edns0Rule(stop, action, Edns.OPTION_NSID, new byte[0], Variable.NONE, 0, 0, revert);
    }

    static Edns0Rule subnet(boolean stop, Action action, int v4Mask, int v6Mask, boolean revert) {
        return new Edns0Rule(stop, action, Edns.OPTION_CLIENT_SUBNET, null, Variable.NONE, v4Mask, v6Mask, revert);
    }

    @Override
    int request(Session s, int index) {
        Exchange ex = s.ex;
        s.touch();
        if (!RequestEditor.ensureOpt(ex)) {
            return IGNORED;
        }
        if (action == Action.UNSET) {
            RequestEditor.removeOptions(ex, code);
            return DONE;
        }
        int length = optionData(s);
        if (length < 0) {
            return IGNORED; // CoreDNS: no data for a variable means the rule does not apply
        }
        int at = RequestEditor.findOption(ex, code);
        if (at >= 0) {
            if (action == Action.APPEND) {
                return IGNORED;
            }
            if (revert) {
                int old = RequestEditor.optionDataLength(ex, at);
                s.wire.putByte(0, (byte) REVERT_RESTORE);
                s.wire.putShort(1, (short) code, ByteOrder.BIG_ENDIAN);
                s.wire.putBytes(3, ex.request(), at + 4, Math.min(old, s.wire.capacity() - 3));
                s.entry(index, s.wire, 0, 3 + Math.min(old, s.wire.capacity() - 3));
            }
            return RequestEditor.setOptionData(ex, at, s.data, 0, length) ? DONE : IGNORED;
        }
        if (action == Action.REPLACE) {
            return IGNORED;
        }
        if (!RequestEditor.appendOption(ex, code, s.data, 0, length)) {
            return IGNORED;
        }
        if (revert) {
            s.wire.putByte(0, (byte) REVERT_REMOVE);
            s.wire.putShort(1, (short) code, ByteOrder.BIG_ENDIAN);
            s.entry(index, s.wire, 0, 3);
        }
        return DONE;
    }

    /** Writes the option data into the session's data buffer; returns its length or -1. */
    private int optionData(Session s) {
        MutableDirectBuffer out = s.data;
        Exchange ex = s.ex;
        if (code == Edns.OPTION_CLIENT_SUBNET && data == null) {
            return subnet(ex.client().address(), out);
        }
        switch (variable) {
            case NONE -> {
                out.putBytes(0, data);
                return data.length;
            }
            case QNAME -> {
                WireText.toText(ex.request(), DnsHeader.LENGTH, s.out, false);
                for (int i = 0; i < s.out.length(); i++) {
                    out.putByte(i, (byte) s.out.charAt(i));
                }
                return s.out.length();
            }
            case QTYPE -> {
                out.putShort(0, (short) ex.query().qtype(), ByteOrder.BIG_ENDIAN);
                return 2;
            }
            case CLIENT_IP -> {
                byte[] ip = ex.client().address().getAddress();
                out.putBytes(0, ip);
                return ip.length;
            }
            case CLIENT_PORT -> {
                out.putShort(0, (short) ex.client().port(), ByteOrder.BIG_ENDIAN);
                return 2;
            }
            case PROTOCOL -> {
                String p = ex.transport() == Transport.TCP ? "tcp" : "udp";
                for (int i = 0; i < 3; i++) {
                    out.putByte(i, (byte) p.charAt(i));
                }
                return 3;
            }
            case SERVER_PORT -> {
                out.putShort(0, (short) ex.listener().address().port(), ByteOrder.BIG_ENDIAN);
                return 2;
            }
            default -> {
                return serverIp(ex, out);
            }
        }
    }

    /** The listen address when the listener is bound to one (a wildcard listener has no single answer). */
    private static int serverIp(Exchange ex, MutableDirectBuffer out) {
        String host = ex.listener().address().host();
        if (host.isEmpty()) {
            return -1;
        }
        try {
            byte[] ip = InetAddress.ofLiteral(host.contains("%") ? host.substring(0, host.indexOf('%')) : host)
                    .getAddress();
            out.putBytes(0, ip);
            return ip.length;
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /** ECS data (RFC 7871 6): family, source prefix, scope 0, the masked address in as few bytes as the prefix needs. */
    private int subnet(InetAddress client, MutableDirectBuffer out) {
        byte[] ip = client.getAddress();
        int mask = ip.length == 4 ? v4Mask : v6Mask;
        out.putShort(0, (short) (ip.length == 4 ? 1 : 2), ByteOrder.BIG_ENDIAN);
        out.putByte(2, (byte) mask);
        out.putByte(3, (byte) 0);
        int bytes = (mask + 7) / 8;
        for (int i = 0; i < bytes; i++) {
            int keep = Math.min(8, mask - i * 8);
            out.putByte(4 + i, (byte) (ip[i] & (0xFF << (8 - keep))));
        }
        return 4 + bytes;
    }
}
