package io.nodedns.server;

import io.nodedns.testing.DnsClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** TCP clients each asking one query at a time; a query without its reply on its connection is lost. */
final class TcpClientLoad extends ClientLoad {
    final AtomicLong fresh = new AtomicLong();
    final AtomicLong lostFresh = new AtomicLong();

    TcpClientLoad(int port, int persistentClients, int freshClients) {
        InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        for (int c = 0; c < persistentClients + freshClients; c++) {
            int id = c;
            boolean persistent = c < persistentClients;
            clients.add(Thread.ofPlatform().name("tcp-client-" + c).start(() -> {
                Socket socket = null;
                for (int i = 0; running.get(); i++) {
                    Message query = DnsClient.query("c" + id + "-" + i + ".example.org", Type.A);
                    try {
                        if (socket == null) {
                            socket = new Socket();
                            socket.setTcpNoDelay(true); // length and message are two writes: no wait for an ACK
                            socket.connect(server, 3000);
                            socket.setSoTimeout(3000);
                        }
                        Message reply = DnsClient.exchange(socket, query);
                        if (reply.getRcode() != Rcode.NOERROR) {
                            throw new IOException(Rcode.string(reply.getRcode()));
                        }
                        answered.incrementAndGet();
                        if (!persistent) {
                            fresh.incrementAndGet();
                        }
                    } catch (IOException e) { // refused, reset, closed or timed out: the query is lost
                        lost.incrementAndGet();
                        if (!persistent) {
                            lostFresh.incrementAndGet();
                        }
                        problems.add((persistent ? "persistent: " : "fresh: ") + e);
                        SocketAcceptor.closeQuietly(socket);
                        socket = null;
                    }
                    if (!persistent && socket != null) {
                        SocketAcceptor.closeQuietly(socket);
                        socket = null;
                    }
                }
                if (socket != null) {
                    SocketAcceptor.closeQuietly(socket);
                }
            }));
        }
    }
}
