package io.nodedns;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.nodedns.plugin.bind.IpLiteral;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kube-dns ConfigMap as the kubelet mounts it (one file per key, hidden {@code ..data} links
 * skipped) and as node-cache applies it: {@code stubDomains} (JSON object, domain to nameservers)
 * and {@code upstreamNameservers} (JSON array, at most three). Other keys ({@code federations})
 * mean nothing to a node cache and are ignored, as node-cache ignores them. An invalid value is an
 * error naming the file and the key; the caller keeps the last good configuration.
 */
record KubeDnsConfigMap(Map<String, List<String>> stubDomains, List<String> upstreamNameservers) {
    static final KubeDnsConfigMap EMPTY = new KubeDnsConfigMap(Map.of(), List.of());
    static final String STUB_DOMAINS = "stubDomains";
    static final String UPSTREAM_NAMESERVERS = "upstreamNameservers";

    /** Reads the mounted directory; a missing key is an empty value, as in node-cache. */
    static KubeDnsConfigMap read(Path dir) throws IOException {
        Map<String, String> data = files(dir, null);
        Map<String, List<String>> stubs = new TreeMap<>();
        List<String> upstreams = List.of();
        String stubText = data.get(STUB_DOMAINS);
        Path stubFile = dir.resolve(STUB_DOMAINS);
        if (stubText != null) {
            JsonElement root = parse(stubFile, STUB_DOMAINS, stubText);
            if (!root.isJsonObject()) {
                throw invalid(stubFile, STUB_DOMAINS,
                        "want a JSON object of domain to nameserver list, e.g. {\"acme.local\": [\"1.2.3.4\"]}");
            }
            for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
                String domain = e.getKey();
                if (!isDns1123Subdomain(domain)) {
                    throw invalid(stubFile, STUB_DOMAINS,
                            "invalid domain name \"" + domain + "\" (lower-case DNS-1123 subdomain)");
                }
                stubs.put(domain, nameservers(stubFile, STUB_DOMAINS, "domain " + domain + ": ", e.getValue()));
            }
        }
        String upstreamText = data.get(UPSTREAM_NAMESERVERS);
        if (upstreamText != null) {
            Path file = dir.resolve(UPSTREAM_NAMESERVERS);
            upstreams = nameservers(file, UPSTREAM_NAMESERVERS, "", parse(file, UPSTREAM_NAMESERVERS, upstreamText));
            if (upstreams.size() > 3) {
                throw invalid(file, UPSTREAM_NAMESERVERS,
                        "cannot have more than three entries (has " + upstreams.size() + ")");
            }
        }
        return new KubeDnsConfigMap(Collections.unmodifiableMap(stubs), upstreams);
    }

    /**
     * The non-hidden regular files of dir (not recursing), by name, as node-cache's directory sync
     * reads a mounted ConfigMap; {@code skip} (the rendered Corefile) is left out.
     */
    static Map<String, String> files(Path dir, Path skip) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("config path " + dir + " is not a directory");
        }
        Map<String, String> data = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || Files.isDirectory(p)
                        || (skip != null && p.toAbsolutePath().equals(skip.toAbsolutePath()))) {
                    continue;
                }
                try {
                    data.put(name, StandardCharsets.UTF_8.newDecoder()
                            .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(p))).toString());
                } catch (CharacterCodingException e) {
                    throw new IOException("non-utf8 data in " + p);
                }
            }
        }
        return data;
    }

    /** Strict JSON, one value and nothing after it (Go's json.Unmarshal). */
    private static JsonElement parse(Path file, String key, String text) {
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            JsonElement value = new Gson().getAdapter(JsonElement.class).read(reader);
            if (value == null || reader.peek() != JsonToken.END_DOCUMENT) {
                throw new IOException("expected one JSON value");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw invalid(file, key, "invalid JSON: " + e.getMessage());
        }
    }

    /**
     * A JSON array of {@code IP} or {@code IP:port} ({@code [v6]:port}): what node-cache's check
     * (CoreDNS's parse.HostPortOrFile with the dns transport) accepts for a forward target.
     */
    private static List<String> nameservers(Path file, String key, String where, JsonElement value) {
        if (!value.isJsonArray()) {
            throw invalid(file, key, where + "want a JSON array of nameservers, e.g. [\"1.2.3.4\", \"5.6.7.8:53\"]");
        }
        JsonArray array = value.getAsJsonArray();
        List<String> out = new ArrayList<>(array.size());
        for (JsonElement e : array) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw invalid(file, key, where + e + " is not a string");
            }
            String ns = e.getAsString();
            if (!isNameserver(ns)) {
                throw invalid(file, key, where + "invalid nameserver \"" + ns + "\": not an IP address or IP:port");
            }
            out.add(ns);
        }
        return List.copyOf(out);
    }

    static boolean isNameserver(String ns) {
        if (IpLiteral.normalize(ns) != null && ns.indexOf('%') < 0) {
            return true;
        }
        int colon = ns.lastIndexOf(':');
        if (colon <= 0) {
            return false;
        }
        String host = ns.substring(0, colon);
        String port = ns.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (host.indexOf(':') < 0) {
                return false;
            }
        } else if (host.indexOf(':') >= 0) {
            return false; // an IPv6 address with a port needs brackets
        }
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535 || Integer.parseInt(port) == 0) {
            return false;
        }
        return IpLiteral.normalize(host) != null && host.indexOf('%') < 0;
    }

    /** Kubernetes' IsDNS1123Subdomain: lower-case labels of [a-z0-9-], alphanumeric at both ends, 253 at most. */
    static boolean isDns1123Subdomain(String s) {
        if (s.length() > 253 || !s.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")) {
            return false;
        }
        for (String label : s.split("\\.")) {
            if (label.length() > 63) {
                return false; // also a DNS limit (RFC 1035 2.3.4): the zone could not be served
            }
        }
        return true;
    }

    private static IllegalArgumentException invalid(Path file, String key, String why) {
        return new IllegalArgumentException("kube-dns ConfigMap " + file + " (key " + key + "): " + why);
    }

    /** For the log line: what is applied. */
    JsonObject summary() {
        JsonObject o = new JsonObject();
        JsonObject s = new JsonObject();
        stubDomains.forEach((d, ns) -> {
            JsonArray a = new JsonArray();
            ns.forEach(a::add);
            s.add(d, a);
        });
        o.add(STUB_DOMAINS, s);
        JsonArray u = new JsonArray();
        upstreamNameservers.forEach(u::add);
        o.add(UPSTREAM_NAMESERVERS, u);
        return o;
    }
}
