package io.nodedns.plugin;

import io.nodedns.plugin.acl.AclSetup;
import io.nodedns.plugin.any.AnySetup;
import io.nodedns.plugin.autopath.AutopathSetup;
import io.nodedns.plugin.bind.BindSetup;
import io.nodedns.plugin.chaos.ChaosSetup;
import io.nodedns.plugin.debug.DebugSetup;
import io.nodedns.plugin.dns64.Dns64Setup;
import io.nodedns.plugin.header.HeaderSetup;
import io.nodedns.plugin.local.LocalSetup;
import io.nodedns.plugin.metadata.MetadataSetup;
import io.nodedns.plugin.minimal.MinimalSetup;
import io.nodedns.plugin.nsid.NsidSetup;
import io.nodedns.plugin.bufsize.BufsizeSetup;
import io.nodedns.plugin.cache.CacheSetup;
import io.nodedns.plugin.forward.ForwardSetup;
import io.nodedns.plugin.kubeforward.KubeforwardSetup;
import io.nodedns.plugin.kubernetes.KubernetesSetup;
import io.nodedns.plugin.multicluster.MulticlusterSetup;
import io.nodedns.plugin.loadbalance.LoadbalanceSetup;
import io.nodedns.plugin.errors.ErrorsSetup;
import io.nodedns.plugin.file.FileSetup;
import io.nodedns.plugin.health.HealthSetup;
import io.nodedns.plugin.hosts.HostsSetup;
import io.nodedns.plugin.log.LogSetup;
import io.nodedns.plugin.loop.LoopSetup;
import io.nodedns.plugin.multisocket.MultisocketSetup;
import io.nodedns.plugin.nodecache.NodecacheSetup;
import io.nodedns.plugin.pprof.PprofSetup;
import io.nodedns.plugin.prometheus.PrometheusSetup;
import io.nodedns.plugin.ready.ReadySetup;
import io.nodedns.plugin.reload.ReloadSetup;
import io.nodedns.plugin.rewrite.RewriteSetup;
import io.nodedns.plugin.template.TemplateSetup;
import io.nodedns.plugin.timeouts.TimeoutsSetup;
import io.nodedns.plugin.trace.TraceSetup;
import io.nodedns.plugin.whoami.WhoamiSetup;
import io.nodedns.server.PluginRegistry;

/** Every plugin nodedns ships, registered under its directive name; the order lives in {@link PluginRegistry#ORDER}. */
public final class Plugins {
    private Plugins() {}

    public static PluginRegistry registry() {
        return registerAll(new PluginRegistry());
    }

    /** Registers every shipped plugin into a registry (tests pass one with test-only plugins in its order). */
    public static PluginRegistry registerAll(PluginRegistry registry) {
        return registry
                .register("metadata", new MetadataSetup())
                .register("timeouts", new TimeoutsSetup())
                .register("multisocket", new MultisocketSetup())
                .register("reload", new ReloadSetup())
                .register("nsid", new NsidSetup())
                .register("bufsize", new BufsizeSetup())
                .register("bind", new BindSetup())
                .register("nodecache", new NodecacheSetup())
                .register("debug", new DebugSetup())
                .register("trace", new TraceSetup())
                .register("ready", new ReadySetup())
                .register("health", new HealthSetup())
                .register("pprof", new PprofSetup())
                .register("prometheus", new PrometheusSetup())
                .register("errors", new ErrorsSetup())
                .register("log", new LogSetup())
                .register("local", new LocalSetup())
                .register("dns64", new Dns64Setup())
                .register("any", new AnySetup())
                .register("chaos", new ChaosSetup())
                .register("rewrite", new RewriteSetup())
                .register("loadbalance", new LoadbalanceSetup())
                .register("autopath", new AutopathSetup())
                .register("acl", new AclSetup())
                .register("cache", new CacheSetup())
                .register("header", new HeaderSetup())
                .register("minimal", new MinimalSetup())
                .register("template", new TemplateSetup())
                .register("hosts", new HostsSetup())
                .register("file", new FileSetup())
                .register("loop", new LoopSetup())
                .register("forward", new ForwardSetup())
                .register("kubeforward", new KubeforwardSetup(System.getenv()))
                .register("k8s_external", new io.nodedns.plugin.k8sexternal.K8sExternalSetup())
                .register("kubernetes", new KubernetesSetup(System.getenv()))
                .register("multicluster", new MulticlusterSetup(System.getenv()))
                .register("tls", new io.nodedns.plugin.tls.TlsSetup())
                .register("whoami", new WhoamiSetup());
    }
}
