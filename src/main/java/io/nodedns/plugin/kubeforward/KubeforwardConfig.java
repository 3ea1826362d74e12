package io.nodedns.plugin.kubeforward;

import io.nodedns.config.Token;
import io.nodedns.plugin.forward.ForwardConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * One parsed {@code kubeforward} directive.
 *
 * @param forwards   one forward config per FROM zone, with no upstreams yet (the endpoints fill them)
 * @param portName   the EndpointSlice port name, or null: the single port of each slice
 * @param kubeconfig null: in-cluster service account, else $KUBECONFIG
 * @param fallback   upstreams while no endpoint is known (empty: SERVFAIL)
 * @param snapshot   where the last known endpoints are kept, or null
 * @param at         the directive's name token, for errors found later
 */
public record KubeforwardConfig(
        List<ForwardConfig> forwards,
        String namespace,
        String serviceName,
        String portName,
        Path kubeconfig,
        String context,
        List<InetSocketAddress> fallback,
        Path snapshot,
        Token at) {

    public KubeforwardConfig {
        forwards = List.copyOf(forwards);
        fallback = List.copyOf(fallback);
    }
}
