package io.nodedns.plugin.file;

import io.nodedns.config.ConfigException;
import io.nodedns.config.Directive;
import io.nodedns.config.Dispenser;
import io.nodedns.config.Fallthrough;
import io.nodedns.config.FileContentException;
import io.nodedns.config.GoDuration;
import io.nodedns.config.Token;
import io.nodedns.log.Log;
import io.nodedns.server.Periodic;
import io.nodedns.server.PluginSetup;
import io.nodedns.server.SetupContext;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * {@code file DBFILE [ZONES...] [{ reload DURATION; reload_by_mtime; fallthrough [ZONES...] }]}
 * (CoreDNS plugin/file). All directives of a block become one handler, as in CoreDNS; the last
 * {@code fallthrough} wins. A relative DBFILE is read from the Corefile's directory (nodedns has no
 * {@code root} plugin). Zone files are read at setup, so a broken zone fails the load with its
 * file and line.
 */
public final class FileSetup implements PluginSetup {
    static final Duration DEFAULT_RELOAD = Duration.ofMinutes(1);

    @Override
    public void setup(SetupContext ctx) throws ConfigException {
        Map<Name, ZoneSlot> zones = new LinkedHashMap<>();
        Fallthrough fall = Fallthrough.NEVER;
        for (Directive d : ctx.occurrences()) {
            Dispenser disp = d.dispenser();
            disp.next();
            disp.requireArg();
            Token fileToken = disp.token();
            List<String> origins = disp.zoneArgs(ctx.zones());
            Duration reload = DEFAULT_RELOAD;
            boolean byMtime = false;
            while (disp.nextBlock()) {
                switch (disp.val()) {
                    case "fallthrough" -> fall = Fallthrough.parse(disp);
                    case "reload" -> reload = reloadInterval(disp);
                    case "reload_by_mtime" -> byMtime = disp.flag();
                    case "upstream" -> disp.remainingArgs(); // accepted and ignored, as CoreDNS does
                    default -> throw disp.unknownProperty();
                }
                if (disp.blockFollows()) {
                    throw disp.pluginErr("unexpected '{' after '" + disp.val() + "'");
                }
            }
            Path path = resolve(fileToken);
            for (String origin : origins) {
                ZoneSlot slot = new ZoneSlot(name(fileToken, origin), path, reload, byMtime);
                load(slot, fileToken);
                zones.put(slot.origin, slot);
            }
        }
        List<ZoneSlot> slots = List.copyOf(zones.values());
        ctx.addHandler(new FileHandler(slots, fall.zones()));
        for (ZoneSlot slot : slots) {
            ctx.addLifecycle(new Periodic("nodedns-file-reload", slot.reload, slot::reloadCheck));
        }
    }

    private static Duration reloadInterval(Dispenser disp) throws ConfigException {
        if (!disp.nextArg()) {
            throw disp.pluginErr("reload duration value is expected");
        }
        Duration d = disp.nonNegativeDurationVal("reload");
        disp.requireNoMoreArgs();
        return d;
    }

    /** CoreDNS joins a relative path to the root plugin's directory; nodedns uses the Corefile's. */
    private static Path resolve(Token fileToken) throws ConfigException {
        try {
            Path p = Path.of(fileToken.text());
            if (p.isAbsolute()) {
                return p.normalize();
            }
            Path corefile = Path.of(fileToken.file()).toAbsolutePath();
            Path dir = corefile.getParent() != null ? corefile.getParent() : Path.of("").toAbsolutePath();
            return dir.resolve(p).normalize();
        } catch (InvalidPathException e) {
            throw ConfigException.plugin("file", fileToken, "invalid file name '" + fileToken.text() + "'");
        }
    }

    private static Name name(Token at, String origin) throws ConfigException {
        try {
            return Name.fromString(origin, Name.root);
        } catch (TextParseException e) {
            throw ConfigException.plugin("file", at, "invalid zone '" + origin + "'");
        }
    }

    /**
     * Reads the zone now. A file that is not there yet is only a warning while a reload check will
     * look again (CoreDNS: the zone answers SERVFAIL until then); anything else fails the load.
     */
    private static void load(ZoneSlot slot, Token at) throws ConfigException {
        if (!Files.isRegularFile(slot.file) || !Files.isReadable(slot.file)) {
            if (slot.reload.isZero()) {
                throw ConfigException.plugin("file", at, "open " + slot.file + ": no such readable file");
            }
            Log.warning("file",
                    "Failed to open \"" + slot.file + "\": trying again in " + GoDuration.format(slot.reload));
            return;
        }
        try {
            slot.load();
        } catch (FileContentException e) {
            String detail = "plugin/file: " + e.getMessage() + " (zone " + slot.origin + ", file directive at "
                    + at.file() + ":" + at.line() + ")";
            if (e.line > 0) {
                throw new ConfigException(e.file, e.line, detail);
            }
            throw new ConfigException(at, detail);
        }
    }
}
