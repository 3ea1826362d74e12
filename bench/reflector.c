/*
 * reflector: the smallest useful DNS "server", to measure the kernel's per-query floor on this machine
 * (docs/benchmarks.md). Every query is answered with QR set and one A record (127.0.0.1) for its
 * question; anything after the question (EDNS OPT) is dropped. One thread, one socket.
 *
 *   reflector [-a 127.0.0.1] [-p 5300] [-m | -s] [-t]
 *     -m  recvmmsg/sendmmsg, up to 64 datagrams per system call (default)
 *     -s  plain recvfrom/sendto, one datagram per system call
 *     -t  also answer over TCP on the same address and port (RFC 1035 4.2.2 length prefix), one
 *         thread per connection: for forwarders with force_tcp (bench/footprint.sh), not for load
 *
 * Binds loopback addresses only. Build: gcc -O2 -pthread -o reflector reflector.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define BUF 1500
#define ANSWER_LEN 16

/* Turns the query in buf (len bytes) into a reply in place; returns the reply length or -1 to drop. */
static int reflect(unsigned char *buf, int len) {
    if (len < 12 || (buf[2] & 0x80) || buf[4] != 0 || buf[5] != 1) {
        return -1; /* short, a response, or not exactly one question */
    }
    int off = 12;
    while (off < len && buf[off] != 0) {
        if (buf[off] & 0xC0) {
            return -1; /* queries carry no compression pointers */
        }
        off += buf[off] + 1;
    }
    off += 5; /* root label, QTYPE, QCLASS */
    if (off > len || off + ANSWER_LEN > BUF) {
        return -1;
    }
    static const unsigned char answer[ANSWER_LEN] = {
        0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 127, 0, 0, 1}; /* name ptr, A, IN, TTL 300 */
    buf[2] = (unsigned char) ((buf[2] | 0x84) & ~0x02); /* QR, AA; keep opcode and RD; clear TC */
    buf[3] = 0x80;                                        /* RA, NOERROR */
    buf[6] = 0; buf[7] = 1;                               /* ANCOUNT 1 */
    buf[8] = buf[9] = buf[10] = buf[11] = 0;              /* NSCOUNT, ARCOUNT 0 */
    memcpy(buf + off, answer, ANSWER_LEN);
    return off + ANSWER_LEN;
}

static void run_plain(int fd) {
    unsigned char buf[BUF];
    struct sockaddr_storage from;
    for (;;) {
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *) &from, &fl);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("recvfrom");
            exit(1);
        }
        int r = reflect(buf, (int) n);
        if (r > 0) sendto(fd, buf, (size_t) r, 0, (struct sockaddr *) &from, fl);
    }
}

static void run_mmsg(int fd) {
    static unsigned char bufs[BATCH][BUF];
    static struct sockaddr_storage addrs[BATCH];
    static struct iovec iov[BATCH], oiov[BATCH];
    static struct mmsghdr in[BATCH], out[BATCH];
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = BUF;
            memset(&in[i].msg_hdr, 0, sizeof in[i].msg_hdr);
            in[i].msg_hdr.msg_iov = &iov[i];
            in[i].msg_hdr.msg_iovlen = 1;
            in[i].msg_hdr.msg_name = &addrs[i];
            in[i].msg_hdr.msg_namelen = sizeof addrs[i];
        }
        /* MSG_WAITFORONE: block for the first datagram, then take whatever else is queued */
        int n = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("recvmmsg");
            exit(1);
        }
        int k = 0;
        for (int i = 0; i < n; i++) {
            int r = reflect(bufs[i], (int) in[i].msg_len);
            if (r <= 0) continue;
            oiov[k].iov_base = bufs[i];
            oiov[k].iov_len = (size_t) r;
            memset(&out[k].msg_hdr, 0, sizeof out[k].msg_hdr);
            out[k].msg_hdr.msg_iov = &oiov[k];
            out[k].msg_hdr.msg_iovlen = 1;
            out[k].msg_hdr.msg_name = &addrs[i];
            out[k].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
            k++;
        }
        for (int sent = 0; sent < k;) {
            int s = sendmmsg(fd, out + sent, (unsigned) (k - sent), 0);
            if (s <= 0) {
                if (s < 0 && errno == EINTR) continue;
                break; /* a full socket buffer drops the rest, as a real server would */
            }
            sent += s;
        }
    }
}

/* Reads exactly n bytes; 0 on end of stream or error. */
static int read_full(int fd, unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return 0;
        p += r;
        n -= (size_t) r;
    }
    return 1;
}

static void *serve_tcp_conn(void *arg) {
    int fd = (int) (intptr_t) arg;
    unsigned char buf[2 + BUF];
    for (;;) {
        if (!read_full(fd, buf, 2)) break;
        int len = buf[0] << 8 | buf[1];
        if (len > BUF - ANSWER_LEN || !read_full(fd, buf + 2, (size_t) len)) break;
        int r = reflect(buf + 2, len);
        if (r <= 0) break; /* not a query we answer: close, as servers do on garbage */
        buf[0] = (unsigned char) (r >> 8);
        buf[1] = (unsigned char) r;
        if (write(fd, buf, (size_t) r + 2) != r + 2) break;
    }
    close(fd);
    return NULL;
}

static void *serve_tcp(void *arg) {
    int lfd = (int) (intptr_t) arg;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            perror("reflector: accept");
            exit(1);
        }
        pthread_t t;
        if (pthread_create(&t, NULL, serve_tcp_conn, (void *) (intptr_t) fd) != 0) {
            close(fd);
            continue;
        }
        pthread_detach(t);
    }
    return NULL;
}

int main(int argc, char **argv) {
    const char *addr = "127.0.0.1";
    int port = 5300, mmsg = 1, tcp = 0, opt;
    while ((opt = getopt(argc, argv, "a:p:msth")) != -1) {
        switch (opt) {
        case 'a': addr = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'm': mmsg = 1; break;
        case 's': mmsg = 0; break;
        case 't': tcp = 1; break;
        default:
            fprintf(stderr, "usage: %s [-a 127.0.0.1|::1] [-p port] [-m (recvmmsg, default) | -s (recvfrom)] [-t (TCP too)]\n", argv[0]);
            return 2;
        }
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *) &ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) &ss;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127) {
            fprintf(stderr, "reflector: refusing non-loopback address %s\n", addr);
            return 2;
        }
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t) port);
        sl = sizeof *v4;
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1 && IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t) port);
        sl = sizeof *v6;
    } else {
        fprintf(stderr, "reflector: %s is not a loopback address\n", addr);
        return 2;
    }
    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    if (fd < 0 || bind(fd, (struct sockaddr *) &ss, sl) < 0) {
        perror("reflector: bind");
        return 1;
    }
    if (tcp) {
        int lfd = socket(ss.ss_family, SOCK_STREAM, 0), one = 1;
        pthread_t t;
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (lfd < 0 || bind(lfd, (struct sockaddr *) &ss, sl) < 0 || listen(lfd, 128) < 0 ||
            pthread_create(&t, NULL, serve_tcp, (void *) (intptr_t) lfd) != 0) {
            perror("reflector: tcp");
            return 1;
        }
    }
    fprintf(stderr, "reflector: %s:%d, %s%s\n", addr, port, mmsg ? "recvmmsg/sendmmsg" : "recvfrom/sendto",
            tcp ? ", and TCP" : "");
    if (mmsg) run_mmsg(fd); else run_plain(fd);
    return 0;
}
