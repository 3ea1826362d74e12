package io.nodedns;

/** Go-flag style options: {@code -name value}, {@code -name=value}, {@code --name}; booleans need no value. */
record Flags(String conf, int dnsPort, boolean plugins, boolean version, boolean quiet, String pidfile, boolean help,
        int warmup, boolean ha, NodeCacheFlags nodeCache) {

    static final String USAGE = """
            Usage of nodedns:
              -conf string        Corefile to load (default "Corefile", then the built-in default); "stdin" reads standard input
              -dns.port string    Default port for server blocks without one (default "53"; the built-in default config uses 1053)
              -ha                 Share addresses another instance already serves (an HA pair, a surge rollout);
                                  without it such an address is refused at start, naming it
              -p string           Alias of -dns.port
              -pidfile string     File to write our PID to
              -plugins            List installed plugins
              -quiet              Quiet mode (no initialization output)
              -version            Show version
              -warmup int|auto    Before serving, send synthetic queries through a loopback-only copy of the
                                  node-local-dns pipeline, so the first real queries meet compiled code: auto sends
                                  a few hundred, then waits (at most 3 s) until the JIT is idle; N sends N; 0 none
                                  (default auto)

            node-cache drop-in (nodedns renders -basecorefile into -conf, re-renders it when the mounted ConfigMaps change,
            and takes over -localip; see docs/plugins/nodecache.md):
              -localip string                 Comma-separated node-local IPs to serve and take over (enables the drop-in)
              -interfacename string           Link holding the IPs (default "nodelocaldns")
              -setupinterface                 Create the link and add the IPs (default true)
              -setupiptables                  Install node-cache's iptables rules (default true)
              -skipteardown                   Leave link and rules at exit
              -syncinterval duration          Re-check period; a bare number (or Nns, as node-cache reads it) is seconds (default 60)
              -basecorefile string            Corefile template (default "/etc/coredns/Corefile.base")
              -corefile string                Rendered Corefile when -conf is not given (default "/etc/Corefile"; -conf wins, as in node-cache)
              -upstreamsvc string             Service whose <NAME>_SERVICE_HOST fills __PILLAR__CLUSTER__DNS__ (default "kube-dns")
              -health-port string             Port of the liveness-probe rules (default "8080")
              -metrics-listen-address string  /metrics address, SO_REUSEPORT (default "0.0.0.0:9353"; empty: none)
              -kubednscm string               Directory of the mounted kube-dns ConfigMap (stubDomains, upstreamNameservers);
                                              default "/etc/kube-dns" if it exists
              -reloadwithsignal               Reload at once after each re-render (node-cache: SIGUSR1 to itself) instead of
                                              waiting for the Corefile's reload plugin
              -config-period duration         How often both ConfigMap directories are checked (default 10s, node-cache's; nodedns only)
              -lockdir string                 Directory coordinating teardown between instances (default "/run/nodedns"; "none")""";

    /** {@link #warmup()} when it is -warmup auto: until the JIT is idle (io.nodedns.Warmup#untilCompiled). */
    static final int AUTO_WARMUP = -1;

    static Flags parse(String[] args) {
        String conf = null;
        int port = -1;
        boolean plugins = false;
        boolean version = false;
        boolean quiet = false;
        boolean help = false;
        String pidfile = null;
        int warmup = AUTO_WARMUP;
        boolean ha = false;
        NodeCacheFlags.Builder nodeCache = new NodeCacheFlags.Builder();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
                throw new IllegalArgumentException("extra command line arguments: " + arg);
            }
            String name = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            switch (name) {
                case "plugins" -> plugins = bool(name, value);
                case "version" -> version = bool(name, value);
                case "quiet" -> quiet = bool(name, value);
                case "ha" -> ha = bool(name, value);
                case "h", "help" -> help = true;
                case "setupinterface", "setupiptables", "skipteardown", "reloadwithsignal" ->
                    nodeCache.set(name, bool(name, value));
                case "conf", "dns.port", "p", "pidfile", "warmup", "localip", "interfacename", "syncinterval",
                        "basecorefile", "corefile", "upstreamsvc", "health-port", "metrics-listen-address",
                        "kubednscm", "lockdir", "config-period" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException("flag needs an argument: -" + name);
                        }
                        value = args[++i];
                    }
                    switch (name) {
                        case "conf" -> conf = value;
                        case "dns.port", "p" -> port = port(name, value);
                        case "pidfile" -> pidfile = value;
                        case "warmup" -> warmup = "auto".equals(value) ? AUTO_WARMUP : count(name, value);
                        default -> nodeCache.set(name, value);
                    }
                }
                default -> throw new IllegalArgumentException("flag provided but not defined: -" + name);
            }
        }
        NodeCacheFlags nc = nodeCache.build();
        if (nc != null && !"stdin".equals(conf)) {
            nc.target(conf); // -conf and -corefile must agree
        } else if (nc != null) {
            throw new IllegalArgumentException(
                    "-conf stdin cannot be used with -localip: node-cache mode renders into a file");
        }
        return new Flags(conf, port, plugins, version, quiet, pidfile, help, warmup, ha, nc);
    }

    private static boolean bool(String name, String value) {
        if (value == null || value.equals("true") || value.equals("1")) {
            return true;
        }
        if (value.equals("false") || value.equals("0")) {
            return false;
        }
        throw new IllegalArgumentException("invalid boolean value \"" + value + "\" for -" + name);
    }

    private static int count(String name, String value) {
        return intFlag(name, value, 1_000_000, "not a count 0..1000000");
    }

    private static int port(String name, String value) {
        return intFlag(name, value, 65535, "not a port");
    }

    private static int intFlag(String name, String value, int max, String what) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, as an out-of-range value is
        }
        throw new IllegalArgumentException("invalid value \"" + value + "\" for flag -" + name + ": " + what);
    }
}
