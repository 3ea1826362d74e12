package io.nodedns.k8s;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.Semaphore;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * CoreDNS's {@code apiserver_qps}, {@code apiserver_burst} and {@code apiserver_max_inflight}: a
 * token bucket (client-go's rate limiter: QPS tokens a second, at most BURST saved up) and a cap
 * on requests in flight, shared by every API request of the clients built with it. A request holds
 * its in-flight slot until the response headers arrive, as CoreDNS's round tripper does, so a
 * long watch does not keep it.
 */
public final class RequestLimits implements Interceptor {
    /** client-go's defaults, which apply when only one of the two is given (as in CoreDNS). */
    public static final double DEFAULT_QPS = 5;
    public static final int DEFAULT_BURST = 10;

    private final double qps;
    private final int burst;
    private final int maxInflight;
    private final Semaphore inflight;
    private double tokens;
    private long refilledAt;

    /** {@code qps} or {@code burst} 0: no rate limit unless the other is set; {@code maxInflight} 0: no cap. */
    public RequestLimits(double qps, int burst, int maxInflight) {
        boolean rate = qps > 0 || burst > 0;
        this.qps = rate ? (qps > 0 ? qps : DEFAULT_QPS) : 0;
        this.burst = rate ? (burst > 0 ? burst : DEFAULT_BURST) : 0;
        this.maxInflight = maxInflight;
        this.inflight = maxInflight > 0 ? new Semaphore(maxInflight, true) : null;
        this.tokens = this.burst;
        this.refilledAt = System.nanoTime();
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        try {
            if (qps > 0) {
                long wait = reserve();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            if (inflight != null) {
                inflight.acquire();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the API server request limit");
        }
        try {
            return chain.proceed(chain.request());
        } finally {
            if (inflight != null) {
                inflight.release();
            }
        }
    }

    /** Takes a token, possibly one not yet earned: the nanoseconds until it is (golang.org/x/time/rate's reservation). */
    private synchronized long reserve() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * qps);
        refilledAt = now;
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) (-tokens / qps * 1e9);
    }

    @Override
    public String toString() {
        return "qps=" + qps + ",burst=" + burst + ",max_inflight=" + maxInflight;
    }
}
