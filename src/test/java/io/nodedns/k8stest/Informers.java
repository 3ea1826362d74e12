package io.nodedns.k8stest;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test's stand-in API server and the official client's informers on it, all stopped after the
 * test (the informers first), and the errors the informers' list and watch calls reported.
 *
 * <pre>{@code
 * @RegisterExtension
 * final Informers informers = new Informers();
 * ... api = informers.serve(StandInApiServer.builder()); informers.start(SYNC, (client, factory) -> ..., rec)
 * }</pre>
 */
final class Informers implements AfterEachCallback {
    /** What the informers' exception handler ({@link #failed}) was given. */
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<SharedInformerFactory> factories = new ArrayList<>();
    private StandInApiServer api;

    /** Starts {@code builder}'s stand-in, closed after the test. */
    StandInApiServer serve(StandInApiServer.Builder builder) {
        api = builder.start();
        return api;
    }

    /**
     * The informer {@code register} adds to a new factory on an informer client of the stand-in,
     * with {@code handlers}, started and synced within {@code sync}.
     */
    @SafeVarargs
    final <T extends KubernetesObject> SharedIndexInformer<T> start(Duration sync,
            BiFunction<ApiClient, SharedInformerFactory, SharedIndexInformer<T>> register,
            ResourceEventHandler<T>... handlers) {
        ApiClient client = api.informerClient(); // read timeout 0, or the factory's constructor throws
        SharedInformerFactory factory = new SharedInformerFactory(client);
        factories.add(factory);
        SharedIndexInformer<T> inf = register.apply(client, factory);
        for (ResourceEventHandler<T> h : handlers) {
            inf.addEventHandler(h);
        }
        factory.startAllRegisteredInformers();
        Await.until(sync, inf::hasSynced, "informer sync");
        return inf;
    }

    /** The informers' exception handler: keeps {@code error} in {@link #errors}. */
    void failed(Class<?> type, Throwable error) {
        errors.add(error);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        factories.forEach(f -> f.stopAllRegisteredInformers(true));
        if (api != null) {
            api.close();
        }
    }
}
