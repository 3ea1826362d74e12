/*
 * coldstart: time from exec to a server's first answer (bench/footprint.sh, docs/benchmarks.md).
 *
 *   coldstart -p PORT [-a 127.0.0.1] [-c CPU] [-o LOG] [-w SECONDS] [-q NAME] -- COMMAND [ARG...]
 *
 * Forks; the child pins itself to CPU (sched_setaffinity: no taskset exec in the measured time),
 * sends its output to LOG and execs COMMAND. The parent sends one query (NAME A, default
 * coldstart.bench.test) every millisecond to ADDR:PORT until a reply comes back with NOERROR, then
 * prints "exec_to_answer_ms=12.345 pid=PID" and exits 0, leaving the server running. Exits 1 when
 * the server dies or does not answer within SECONDS (default 60; then it is killed). The clock starts just before
 * fork. A JVM or dig per poll would add milliseconds of their own start-up; this adds one fork.
 *
 * Sends to loopback addresses only. Build: gcc -O2 -o coldstart coldstart.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A standard query with RD for NAME A IN; returns its length or -1 when the name does not fit. */
static int encode(unsigned char *q, size_t cap, const char *name) {
    static const unsigned char header[12] = {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    size_t off = sizeof header;
    memcpy(q, header, sizeof header);
    for (const char *p = name; *p;) {
        size_t len = strcspn(p, ".");
        if (len == 0 || len > 63 || off + len + 6 > cap) return -1;
        q[off++] = (unsigned char) len;
        memcpy(q + off, p, len);
        off += len;
        p += len;
        if (*p == '.') p++;
    }
    memcpy(q + off, "\0\0\1\0\1", 5); /* root, A, IN */
    return (int) off + 5;
}

int main(int argc, char **argv) {
    const char *addr = "127.0.0.1", *log = "/dev/null", *name = "coldstart.bench.test";
    int port = 0, cpu = -1, opt;
    double wait_s = 60;
    while ((opt = getopt(argc, argv, "+a:p:c:o:w:q:")) != -1) {
        switch (opt) {
        case 'a': addr = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'c': cpu = atoi(optarg); break;
        case 'o': log = optarg; break;
        case 'w': wait_s = atof(optarg); break;
        case 'q': name = optarg; break;
        default: port = 0; optind = argc; break;
        }
    }
    if (port <= 0 || port > 65535 || optind >= argc) {
        fprintf(stderr, "usage: %s -p PORT [-a 127.0.0.1] [-c CPU] [-o LOG] [-w SECONDS] [-q NAME] -- COMMAND [ARG...]\n",
                argv[0]);
        return 2;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short) port)};
    if (inet_pton(AF_INET, addr, &to.sin_addr) != 1 || (ntohl(to.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "coldstart: %s is not a 127.0.0.0/8 address\n", addr);
        return 2;
    }
    unsigned char query[512], reply[1500];
    int qlen = encode(query, sizeof query, name);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (qlen < 0 || fd < 0 || connect(fd, (struct sockaddr *) &to, sizeof to) < 0) {
        perror("coldstart: socket");
        return 2;
    }
    int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        perror(log);
        return 2;
    }

    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        perror("coldstart: fork");
        return 1;
    }
    if (pid == 0) {
        if (cpu >= 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            if (sched_setaffinity(0, sizeof set, &set) < 0) {
                perror("coldstart: sched_setaffinity");
                _exit(127);
            }
        }
        close(fd);
        dup2(out, 1);
        dup2(out, 2);
        close(out);
        setpgid(0, 0); /* its own process group: a Ctrl-C of the script does not race our cleanup */
        execvp(argv[optind], argv + optind);
        perror(argv[optind]);
        _exit(127);
    }
    close(out);
    for (unsigned id = 1;; id++) {
        double now = now_ms();
        if (now - t0 > wait_s * 1e3) {
            fprintf(stderr, "coldstart: no NOERROR reply on %s:%d within %g s; killed %s\n", addr, port, wait_s,
                    argv[optind]);
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return 1;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "coldstart: %s exited (status %d) before answering; see %s\n", argv[optind],
                    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), log);
            return 1;
        }
        query[0] = (unsigned char) (id >> 8);
        query[1] = (unsigned char) id;
        send(fd, query, (size_t) qlen, 0); /* ECONNREFUSED until the server binds: expected */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        double deadline = now + 1.0;
        for (;;) {
            ssize_t n = recv(fd, reply, sizeof reply, 0);
            /* any reply on this connected socket answers one of our queries: QR set, RCODE 0 */
            if (n >= 12 && (reply[2] & 0x80) && (reply[3] & 0x0F) == 0) {
                printf("exec_to_answer_ms=%.3f pid=%d\n", now_ms() - t0, (int) pid);
                return 0;
            }
            if (n >= 0 || errno == ECONNREFUSED || errno == EINTR) continue; /* SERVFAIL, or a refusal */
            if (errno != EAGAIN) {
                perror("coldstart: recv");
                return 1;
            }
            double left = deadline - now_ms();
            if (left <= 0) break;
            struct timespec ts = {0, (long) (left * 1e6)};
            ppoll(&p, 1, &ts, NULL);
        }
    }
}
