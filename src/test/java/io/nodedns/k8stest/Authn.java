package io.nodedns.k8stest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The stand-in's authenticators, as the API server's: a client certificate the TLS layer verified
 * against the CA (user = its CN), bearer tokens, and basic auth (kept here though the API server
 * dropped it in 1.19, because kubeconfigs still carry it). With none configured every request is
 * anonymous and allowed; with any configured, a request no authenticator accepts gets 401.
 */
public final class Authn {
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final Map<String, String> passwords = new ConcurrentHashMap<>();
    private volatile boolean clientCertificates;

    public Authn token(String token, String user) {
        tokens.put(token, user);
        return this;
    }

    /** Revokes a token (rotation: the old one stops working). */
    public Authn revoke(String token) {
        tokens.remove(token);
        return this;
    }

    public Authn basic(String user, String password) {
        passwords.put(user, password);
        return this;
    }

    /** Accepts client certificates issued by the stand-in's CA (TLS only). */
    public Authn clientCertificates() {
        clientCertificates = true;
        return this;
    }

    /** The authenticated user, or null when a credential was required and none was accepted. */
    String authenticate(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h != null && h.startsWith("Bearer ")) {
            String user = tokens.get(h.substring(7).strip());
            if (user != null) {
                return user;
            }
        } else if (h != null && h.startsWith("Basic ")) {
            String[] up = new String(Base64.getDecoder().decode(h.substring(6).strip()), StandardCharsets.UTF_8)
                    .split(":", 2);
            if (up.length == 2 && up[1].equals(passwords.get(up[0]))) {
                return up[0];
            }
        }
        if (clientCertificates && ex instanceof HttpsExchange https) {
            try {
                Certificate[] chain = https.getSSLSession().getPeerCertificates();
                if (chain.length > 0 && chain[0] instanceof X509Certificate c) {
                    return commonName(c);
                }
            } catch (SSLPeerUnverifiedException e) {
                // no client certificate
            }
        }
        return null;
    }

    private static String commonName(X509Certificate c) {
        try {
            for (Rdn rdn : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (javax.naming.InvalidNameException e) {
            throw new IllegalStateException(e);
        }
        return c.getSubjectX500Principal().getName();
    }
}
