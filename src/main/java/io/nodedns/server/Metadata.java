package io.nodedns.server;

import java.util.Arrays;

/**
 * The metadata of one query: label and value pairs (CoreDNS plugin/metadata). Held by a pooled
 * {@link Exchange} once the metadata plugin first runs for it and reused from query to query; it
 * grows to the labels its block publishes and no further.
 */
final class Metadata {
    private String[] labels = new String[8];
    private String[] values = new String[8];
    private int size;

    void clear() {
        Arrays.fill(labels, 0, size, null);
        Arrays.fill(values, 0, size, null);
        size = 0;
    }

    /** Sets the label's value; a later value replaces an earlier one, as in CoreDNS's context map. */
    void put(String label, String value) {
        for (int i = 0; i < size; i++) {
            if (labels[i].equals(label)) {
                values[i] = value;
                return;
            }
        }
        if (size == labels.length) {
            labels = Arrays.copyOf(labels, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        labels[size] = label;
        values[size++] = value;
    }

    String get(String label) {
        for (int i = 0; i < size; i++) {
            if (labels[i].equals(label)) {
                return values[i];
            }
        }
        return null;
    }
}
