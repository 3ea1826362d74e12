package io.nodedns.k8stest;

import com.google.gson.JsonObject;

/**
 * One change in the store's history.
 *
 * @param type ADDED, MODIFIED or DELETED
 * @param resourceVersion the global resourceVersion the write got
 * @param object the object after the write (for DELETED: the last state, carrying the deletion's RV)
 * @param previous the object before the write, null for ADDED; watches with selectors use it to turn a
 *     MODIFIED that leaves (enters) the selection into DELETED (ADDED), as the API server's watch cache does
 */
record WatchEvent(String type, long resourceVersion, JsonObject object, JsonObject previous) {
}
