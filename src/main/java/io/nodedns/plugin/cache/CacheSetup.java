package io.nodedns.plugin.cache;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.ServerKey;
import io.nodedns.config.Token;
import io.nodedns.config.Zones;
import io.nodedns.data.SharedRegistry;
import io.nodedns.server.Lifecycle;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * {@code cache [TTL] [ZONES...] { success CAPACITY [TTL [MINTTL]]; denial CAPACITY [TTL [MINTTL]];
 * prefetch AMOUNT [DURATION [PERCENTAGE%]]; serve_stale [DURATION [REFRESH_MODE ...]];
 * serve_stale_policy prefer_positive; servfail DURATION; disable success|denial [ZONES...]; keepttl;
 * persist FILE }}, once per block, with CoreDNS's defaults and checks (CoreDNS plugin/cache/README.md); {@code persist} is
 * nodedns's own (see {@link CachePersist}). Errors name the file and line.
 */
public final class CacheSetup implements PluginSetup {
    private final CacheClock clock;
    private final Consumer<CacheHandler> created;

    public CacheSetup() {
        this(CacheClock.SYSTEM, p -> {});
    }

    /** For tests: a manual clock, and a look at each handler made. */
    CacheSetup(CacheClock clock, Consumer<CacheHandler> created) {
        this.clock = clock;
        this.created = created;
    }

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Directive directive = ctx.once();
        CacheConfig config = parse(directive.dispenser(), ctx.zones());
        checkBudget(ctx, directive,
                CacheStore.bytesFor(config.success().capacity()) + CacheStore.bytesFor(config.denial().capacity()),
                Runtime.getRuntime().maxMemory());
        // Same listeners and same options: a reload keeps the warm entries.
        SharedRegistry<CacheState> states = ctx.shared().state("cache/states",
                k -> new SharedRegistry<>(Duration.ZERO, null, s -> {}));
        CacheState state = states.obtain(keys(ctx.keys()) + "/" + config, () -> new CacheState(config));
        CacheHandler plugin = new CacheHandler(config, state, clock);
        created.accept(plugin);
        ctx.addHandler(plugin);
        ctx.addMetrics(state.metrics);
        Path persist = config.persist() == null ? null : Path.of(config.persist());
        if (persist != null) {
            checkPersistUnique(ctx, directive, persist);
        }
        ctx.addLifecycle(new Lifecycle() {
            private boolean started;

            /**
             * Before the listeners bind, so the first query can hit. Once per file per process: a
             * reload that keeps the store keeps its contents, and one that replaces it starts empty
             * (the file holds what the cache had at the last shutdown, not what it has now).
             */
            @Override
            public void prepare() {
                if (persist != null && ctx.shared().state("cache/persist-read/" + persist.toAbsolutePath().normalize(),
                        k -> new java.util.concurrent.atomic.AtomicBoolean()).compareAndSet(false, true)) {
                    CachePersist.loadLogged(persist, config, state, clock);
                }
            }

            @Override
            public synchronized void start() {
                states.retain(state);
                started = true;
            }

            @Override
            public synchronized void stop() {
                if (started) {
                    started = false;
                    states.release(state);
                }
            }

            /** Only at process shutdown (SIGTERM, SIGINT, orderly stop), after the listeners drained. */
            @Override
            public void shutdown() {
                if (persist != null) {
                    CachePersist.saveLogged(persist, config, state, clock);
                }
            }
        });
    }

    /** Two blocks writing one file would each overwrite the other at shutdown. */
    private static void checkPersistUnique(SetupContext ctx, Directive directive, Path file) throws ConfigException {
        @SuppressWarnings("unchecked")
        java.util.Set<Path> files = (java.util.Set<Path>) ctx.buildState().computeIfAbsent("cache/persist",
                k -> new java.util.HashSet<Path>());
        if (!files.add(file.toAbsolutePath().normalize())) {
            throw directive.pluginErr(directive.nameToken(),
                    "persist file " + file + " is already used by another cache block");
        }
    }

    /** The heap kept for everything but the caches: 24 MiB, or an eighth of the heap if that is more. */
    static long reserve(long maxHeap) {
        return Math.max(24L << 20, maxHeap / 8);
    }

    /** What all caches of one configuration may hold at capacity. */
    static long budget(long maxHeap) {
        return Math.max(0, maxHeap - reserve(maxHeap));
    }

    /**
     * Adds this cache's size at capacity to the total of the configuration being built (a reload
     * counts the caches it builds, kept or new, not the ones it replaces) and rejects the directive
     * that takes the total over the budget. Stores grow as they fill, so without this a
     * configuration could start fine and run out of heap once its caches are full.
     */
    static void checkBudget(SetupContext ctx, Directive directive, long bytes, long maxHeap) throws ConfigException {
        long[] total = (long[]) ctx.buildState().computeIfAbsent("cache/heap", k -> new long[2]);
        total[0] += bytes;
        total[1]++;
        if (total[0] > budget(maxHeap)) {
            throw directive.pluginErr(directive.nameToken(), "the caches of this configuration need " + total[0]
                    + " bytes at capacity (this one, cache number " + total[1] + ", " + bytes
                    + "), more than the cache budget of "
                    + budget(maxHeap) + " bytes (the heap of " + maxHeap + " bytes less " + reserve(maxHeap)
                    + " for the rest; docs/plugins/cache.md): lower the capacities or raise -Xmx");
        }
    }

    static CacheConfig parse(Dispenser d, List<String> blockZones) throws ConfigException {
        CacheConfig.Builder b = new CacheConfig.Builder();
        d.next();
        List<Token> args = d.remainingArgTokens();
        if (!args.isEmpty() && args.getLast().text().equals("{}") && !args.getLast().quoted()) {
            args = args.subList(0, args.size() - 1); // "cache {}": an empty block, not a zone
        }
        if (!args.isEmpty()) {
            Long ttl = Dispenser.atoi(args.getFirst().text());
            if (ttl != null) {
                if (ttl <= 0) {
                    throw d.pluginErr(args.getFirst(), "cache TTL can not be zero or negative: " + ttl);
                }
                b.success = b.success.withMaxTtl(ttl);
                b.denial = b.denial.withMaxTtl(ttl);
                args = args.subList(1, args.size());
            }
        }
        b.zones = args.isEmpty() ? blockZones : zones(d, args, false);
        Token policy = null;
        boolean serveStale = false;
        while (d.nextBlock()) {
            String option = d.val();
            Token at = d.token();
            List<Token> a = d.remainingArgTokens();
            if (d.blockFollows()) {
                throw d.pluginErr("unexpected block after '" + option + "'");
            }
            switch (option) {
                case "success", "denial" -> {
                    if (a.isEmpty() || a.size() > 3) {
                        throw d.argErr();
                    }
                    int capacity = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, d.atoi(a.get(0))));
                    long max = a.size() > 1 ? d.atoi(a.get(1)) : -1;
                    if (a.size() > 1 && max <= 0) {
                        throw d.pluginErr(a.get(1), "cache TTL can not be zero or negative: " + max);
                    }
                    long min = a.size() > 2 ? d.atoi(a.get(2)) : -1;
                    if (a.size() > 2 && min < 0) {
                        throw d.pluginErr(a.get(2), "cache min TTL can not be negative: " + min);
                    }
                    CacheConfig.StoreLimits before = option.equals("success") ? b.success : b.denial;
                    CacheConfig.StoreLimits limits = new CacheConfig.StoreLimits(capacity,
                            max > 0 ? max : before.maxTtl(), min >= 0 ? min : before.minTtl());
                    if (option.equals("success")) {
                        b.success = limits;
                    } else {
                        b.denial = limits;
                    }
                }
                case "prefetch" -> prefetch(d, a, b);
                case "serve_stale" -> {
                    serveStale = true;
                    serveStale(d, a, b);
                }
                case "serve_stale_policy" -> {
                    if (policy != null) {
                        throw d.pluginErr(at, "serve_stale_policy can only be specified once");
                    }
                    policy = at;
                    if (a.size() != 1) {
                        throw d.argErr();
                    }
                    if (!a.get(0).text().toLowerCase(Locale.ROOT).equals("prefer_positive")) {
                        throw d.pluginErr(a.get(0), "invalid serve_stale_policy: " + a.get(0).text());
                    }
                    b.preferPositive = true;
                }
                case "servfail" -> {
                    if (a.size() != 1) {
                        throw d.argErr();
                    }
                    Duration ttl = d.duration(a.get(0), "");
                    if (ttl.isNegative()) {
                        throw d.pluginErr(a.get(0), "invalid negative ttl for servfail");
                    }
                    if (ttl.compareTo(CacheConfig.MAX_SERVFAIL) > 0) {
                        throw d.pluginErr(a.get(0), "caching SERVFAIL responses over 5 minutes is not permitted");
                    }
                    b.servfailTtl = ttl;
                }
                case "disable" -> {
                    if (a.isEmpty()) {
                        throw d.argErr();
                    }
                    List<String> zones = a.size() > 1 ? zones(d, a.subList(1, a.size()), true) : List.of(".");
                    switch (a.get(0).text()) {
                        case "success" -> b.disableSuccess = zones;
                        case "denial" -> b.disableDenial = zones;
                        default ->
                            throw d.pluginErr(a.get(0), "cache type for disable must be \"success\" or \"denial\"");
                    }
                }
                case "keepttl" -> {
                    if (!a.isEmpty()) {
                        throw d.argErr();
                    }
                    b.keepTtl = true;
                }
                case "persist" -> {
                    if (a.size() != 1) {
                        throw d.argErr();
                    }
                    if (b.persist != null) {
                        throw d.pluginErr(at, "persist can only be specified once");
                    }
                    b.persist = persistFile(d, a.get(0));
                }
                default -> throw d.unknownProperty(at);
            }
        }
        if (policy != null && !serveStale) {
            throw d.pluginErr(policy, "serve_stale_policy requires serve_stale");
        }
        return b.build();
    }

    private static void prefetch(Dispenser d, List<Token> a, CacheConfig.Builder b) throws ConfigException {
        if (a.isEmpty() || a.size() > 3) {
            throw d.argErr();
        }
        long amount = d.atoi(a.get(0));
        if (amount < 0) {
            throw d.pluginErr(a.get(0), "prefetch amount should be positive: " + amount);
        }
        b.prefetch = (int) Math.min(Integer.MAX_VALUE, amount);
        if (a.size() > 1) {
            b.prefetchWindow = d.duration(a.get(1), "");
        }
        if (a.size() > 2) {
            String pct = a.get(2).text();
            char last = pct.isEmpty() ? '\0' : pct.charAt(pct.length() - 1);
            if (last != '%') {
                throw d.pluginErr(a.get(2), "last character of percentage should be `%`, but is: '" + last + "'");
            }
            long num = d.atoi(a.get(2).withText(pct.substring(0, pct.length() - 1)));
            if (num < 10 || num > 90) {
                throw d.pluginErr(a.get(2), "percentage should fall in range [10, 90]: " + num);
            }
            b.prefetchPercentage = (int) num;
        }
    }

    /** {@code serve_stale [DURATION [immediate [RESPONSE_TTL [RECHECK]] | verify [TIMEOUT [RESPONSE_TTL [RECHECK]]]]]}. */
    private static void serveStale(Dispenser d, List<Token> a, CacheConfig.Builder b) throws ConfigException {
        if (a.size() > 5) {
            throw d.argErr();
        }
        b.staleUpTo = Duration.ofHours(1);
        b.staleTtl = 0;
        b.staleRecheck = Duration.ZERO;
        b.verifyStale = false;
        b.verifyTimeout = Duration.ZERO;
        if (!a.isEmpty()) {
            Duration upTo = d.duration(a.get(0), "");
            if (upTo.isNegative()) {
                throw d.pluginErr(a.get(0), "invalid negative duration for serve_stale");
            }
            b.staleUpTo = upTo;
        }
        if (a.size() > 1) {
            String mode = a.get(1).text().toLowerCase(Locale.ROOT);
            if (!mode.equals("immediate") && !mode.equals("verify")) {
                throw d.pluginErr(a.get(1), "invalid value for serve_stale refresh mode: " + mode);
            }
            b.verifyStale = mode.equals("verify");
        }
        int next = 2;
        if (b.verifyStale && a.size() > 2) {
            Duration timeout = d.duration(a.get(2), "invalid serve_stale verify timeout: ");
            if (timeout.isNegative()) {
                throw d.pluginErr(a.get(2), "invalid negative timeout for serve_stale verify");
            }
            b.verifyTimeout = timeout;
            next = 3;
        } else if (!b.verifyStale && a.size() > 4) {
            throw d.argErr();
        }
        if (a.size() > next) {
            Token t = a.get(next);
            Duration ttl = d.duration(t, "invalid serve_stale response TTL: ");
            if (ttl.isNegative()) {
                throw d.pluginErr(t, "invalid negative response TTL for serve_stale");
            }
            if (ttl.getNano() != 0) {
                throw d.pluginErr(t, "serve_stale response TTL must be a whole number of seconds");
            }
            if (ttl.getSeconds() > 0xFFFFFFFFL) {
                throw d.pluginErr(t, "serve_stale response TTL exceeds the DNS TTL range");
            }
            b.staleTtl = ttl.getSeconds();
        }
        if (a.size() > next + 1) {
            Token t = a.get(next + 1);
            Duration recheck = d.duration(t, "invalid serve_stale failure recheck: ");
            if (recheck.isNegative()) {
                throw d.pluginErr(t, "invalid negative failure recheck for serve_stale");
            }
            if (recheck.compareTo(Duration.ofMinutes(5)) > 0) {
                throw d.pluginErr(t, "serve_stale failure recheck cannot exceed 5 minutes");
            }
            b.staleRecheck = recheck;
        }
    }

    /** The file's directory must exist and be writable now: finding out at shutdown would lose the cache. */
    private static String persistFile(Dispenser d, Token t) throws ConfigException {
        Path file;
        try {
            file = Path.of(t.text());
        } catch (InvalidPathException e) {
            throw d.pluginErr(t, "invalid persist file: " + t.text());
        }
        if (t.text().isEmpty() || file.getFileName() == null || Files.isDirectory(file)) {
            throw d.pluginErr(t, "persist needs a file, not a directory: " + t.text());
        }
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw d.pluginErr(t, "persist directory " + dir + " does not exist");
        }
        try { // a real probe: access(2) says yes to root on a read-only mount or a pseudo file system
            Files.delete(Files.createTempFile(dir, ".nodedns-persist", ".probe"));
        } catch (IOException | RuntimeException e) {
            throw d.pluginErr(t, "persist directory " + dir + " is not writable: " + e);
        }
        return t.text();
    }

    /** The zones of {@code args}; a bad one fails with its own reason, or as a bad disabled zone. */
    private static List<String> zones(Dispenser d, List<Token> args, boolean disabled) throws ConfigException {
        List<String> zones = new ArrayList<>();
        for (Token t : args) {
            try {
                zones.addAll(Zones.normalize(t));
            } catch (ConfigException e) {
                throw d.pluginErr(t, disabled ? "invalid disabled zone: " + t.text() : e.detail());
            }
        }
        return List.copyOf(zones);
    }

    static String keys(List<ServerKey> keys) {
        return keys.stream().map(k -> k.zone() + ":" + k.port()).collect(Collectors.joining(","));
    }
}
