package io.nodedns.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nodedns.server.MetricSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records what a {@link MetricSource} reports, to find one series' value in a test; or reads it
 * from the prometheus plugin's page ({@link #scrape}, {@link #valueIn}).
 */
public final class MetricValues implements MetricSource.Sink {
    private record Point(String name, List<String> labels, double value) {
    }

    private final List<Point> points = new ArrayList<>();

    /** Every process-wide source of a server's shared state. */
    public static MetricValues of(List<MetricSource> sources) {
        MetricValues values = new MetricValues();
        for (MetricSource s : sources) {
            s.collect(values, "");
        }
        return values;
    }

    /** The value of the series called {@code name} whose labels include every given name, value pair. */
    public double value(String name, String... labels) {
        for (Point p : points) {
            if (p.name.equals(name) && contains(p.labels, labels)) {
                return p.value;
            }
        }
        throw new AssertionError("no series " + name + " " + List.of(labels) + " in " + points);
    }

    /** The prometheus plugin's page at 127.0.0.1:{@code port}/metrics (asserting status 200). */
    public static String scrape(int port) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            return r.body();
        }
    }

    /**
     * The value in a scraped page of the series called {@code name} whose labels contain every
     * given {@code name="value"} text, in any order; NaN if none.
     */
    public static double valueIn(String page, String name, String... labels) {
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE)
                .matcher(page);
        while (m.find()) {
            boolean all = true;
            for (String l : labels) {
                all &= m.group(1).contains(l);
            }
            if (all) {
                return Double.parseDouble(m.group(2));
            }
        }
        return Double.NaN;
    }

    private static boolean contains(List<String> have, String[] want) {
        for (int i = 0; i < want.length; i += 2) {
            int at = have.indexOf(want[i]);
            if (at < 0 || at % 2 != 0 || !have.get(at + 1).equals(want[i + 1])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void counter(String name, String help, double value, String... labels) {
        points.add(new Point(name, List.of(labels), value));
    }

    @Override
    public void gauge(String name, String help, double value, String... labels) {
        points.add(new Point(name, List.of(labels), value));
    }

    @Override
    public void histogram(String name, String help, long[] buckets, double sum, String... labels) {
        long count = 0;
        for (long b : buckets) {
            count += b;
        }
        points.add(new Point(name + "_count", List.of(labels), count));
    }
}
