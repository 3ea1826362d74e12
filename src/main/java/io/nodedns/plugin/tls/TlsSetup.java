package io.nodedns.plugin.tls;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Dispenser;
import io.nodedns.config.ServerKey;
import io.nodedns.log.Log;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import io.nodedns.tls.ServerTls;
import io.nodedns.tls.TlsContexts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * {@code tls CERT KEY [CA] { client_auth POLICY }} (CoreDNS plugin/tls): the certificate a
 * {@code tls://} or {@code https://} block serves with, and how it checks client certificates.
 * Without CA, client certificates are checked against the system CAs, as CoreDNS does. The
 * files are read at setup, so a missing or unreadable one is an error naming the line.
 */
public final class TlsSetup implements PluginSetup {
    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        if (ctx.occurrences().size() > 1) {
            throw new ConfigException(ctx.occurrences().get(1).nameToken(),
                    "plugin/tls: TLS already configured for this server instance");
        }
        Dispenser d = ctx.occurrences().getFirst().dispenser();
        d.next();
        io.nodedns.config.Token at = d.token();
        List<String> args = d.remainingArgs();
        if (args.isEmpty()) {
            throw d.pluginErr("certificates from ACME (tls without CERT KEY) are not supported by nodedns;"
                    + " give CERT KEY [CA] files (cert-manager can keep them renewed)");
        }
        if (args.size() > 3) {
            throw d.argErr();
        }
        if (args.size() < 2) {
            throw d.pluginErr("needs CERT KEY [CA], found " + args.size() + " argument");
        }
        String clientAuth = "nocert";
        while (d.nextBlock()) {
            switch (d.val()) {
                case "client_auth" -> {
                    List<String> v = d.remainingArgs();
                    if (v.size() != 1) {
                        throw d.argErr();
                    }
                    if (!ServerTls.CLIENT_AUTH.contains(v.getFirst())) {
                        throw d.pluginErr("unknown authentication type '" + v.getFirst() + "'");
                    }
                    clientAuth = v.getFirst();
                }
                case "keylog" -> throw d.pluginErr("keylog is not supported by nodedns"
                        + " (the JDK's TLS cannot write key log files)");
                default -> throw d.pluginErr("unknown option '" + d.val() + "'");
            }
        }
        Path cert = Path.of(args.get(0));
        Path key = Path.of(args.get(1));
        Path ca = args.size() == 3 ? Path.of(args.get(2)) : null;
        SSLContext context;
        try {
            // Go's RequestClientCert and RequireAnyClientCert verify nothing; the JDK would check
            // against the trust store, so those two get a context that takes any client chain
            context = ServerTls.verifies(clientAuth) || clientAuth.equals("nocert")
                    ? TlsContexts.context(cert, key, ca)
                    : TlsContexts.anyClient(cert, key);
        } catch (IOException e) {
            throw new ConfigException(at, "plugin/tls: " + e.getMessage());
        }
        boolean encrypted = false;
        for (ServerKey k : ctx.keys()) {
            encrypted |= k.scheme().equals("tls") || k.scheme().equals("https");
        }
        if (!encrypted) { // CoreDNS accepts this silently; plain DNS has nothing to encrypt
            Log.warning("tls", at.file() + ":" + at.line() + ": 'tls' has no effect: no key of this server block"
                    + " is tls:// or https://");
        }
        ctx.serverTls(new ServerTls(context, clientAuth));
    }
}
