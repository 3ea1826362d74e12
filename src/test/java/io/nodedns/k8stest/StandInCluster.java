package io.nodedns.k8stest;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The cluster a test class of a discovery plugin serves from: a stand-in API server (loopback)
 * holding the given objects, and a kubeconfig pointing at it, up for the class's tests.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final StandInCluster cluster = StandInCluster.of(KubeObjects.namespace("ns1"),
 *         KubeObjects.pod("ns1", "client", "node-1", "127.0.0.2"));
 * ... "kubeconfig " + cluster.kubeconfig() ... cluster.api().create(...)
 * }</pre>
 */
public final class StandInCluster implements BeforeAllCallback, AfterAllCallback {
    private final StandInApiServer.Builder builder;
    private final List<JsonObject> objects;
    private StandInApiServer api;
    private Path dir;
    private Path kubeconfig;

    private StandInCluster(StandInApiServer.Builder builder, List<JsonObject> objects) {
        this.builder = builder;
        this.objects = objects;
    }

    /** A default stand-in holding {@code objects}, created in this order. */
    public static StandInCluster of(JsonObject... objects) {
        return of(StandInApiServer.builder(), objects);
    }

    /** A stand-in of {@code builder}'s settings holding {@code objects}, created in this order. */
    public static StandInCluster of(StandInApiServer.Builder builder, JsonObject... objects) {
        return new StandInCluster(builder, List.of(objects));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        api = builder.start();
        for (JsonObject o : objects) {
            api.create(o);
        }
        dir = Files.createTempDirectory("standin-cluster");
        kubeconfig = KubeClients.writeKubeconfig(dir.resolve("kubeconfig"), api.url(), "default");
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (api != null) {
            api.close();
        }
        if (kubeconfig != null) {
            Files.delete(kubeconfig);
        }
        if (dir != null) {
            Files.delete(dir);
        }
    }

    public StandInApiServer api() {
        return api;
    }

    /** A kubeconfig whose current context is the stand-in (plain HTTP, no credentials, namespace default). */
    public Path kubeconfig() {
        return kubeconfig;
    }
}
