#!/usr/bin/env python3
"""Exec-to-first-answer and the latency of the first seconds of a DNS server, loopback only.

usage: startprobe.py PORT LOAD_SECS RATE -- COMMAND...
Takes t0, execs COMMAND (the server), sends an A query for a unique miss name to 127.0.0.1:PORT
every 1 ms (waiting up to 1 ms for its answer) until one is answered: exec to first answer, and
the server's CPU time by then (/proc/PID/stat; COMMAND must exec the server, as taskset and
nodedns's launchers do). Then, if LOAD_SECS > 0, sends unique miss names (forwarded upstream) at
RATE qps open loop for LOAD_SECS, latency measured from each query's intended send time;
unanswered after 1 s counts as lost (and as infinite latency in the percentiles).
Prints one line: first_ms cpu_ms [rss_kB] or first_ms cpu_ms p50_ms p99_ms p999_ms max_ms lost sent.
Environment: RSS_AFTER=S (no load) adds VmRSS S seconds after the first answer; with NMT_OUT=FILE
and JCMD=PATH it also writes `jcmd PID VM.native_memory summary` there (start the server with
-XX:NativeMemoryTracking=summary); PROBE_LOG=FILE keeps the server's stderr.
"""
import os, select, socket, struct, subprocess, sys, time

port = int(sys.argv[1]); load_secs = float(sys.argv[2]); rate = float(sys.argv[3])
cmd = sys.argv[sys.argv.index('--') + 1:]
addr = ('127.0.0.1', port)


def query(qid, name):
    q = struct.pack('>HHHHHH', qid, 0x0100, 1, 0, 0, 0)
    for label in name.split('.'):
        q += bytes([len(label)]) + label.encode()
    return q + b'\x00' + struct.pack('>HH', 1, 1)


tag = '%x' % (time.time_ns() & 0xffffffffff)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.setblocking(False)
t0 = time.monotonic()
proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(os.environ.get('PROBE_LOG', '/dev/null'), 'w'))
first = None
n = 0
while first is None:
    if proc.poll() is not None:
        print('server exited with', proc.returncode, file=sys.stderr); sys.exit(1)
    n += 1
    qid = n & 0xffff
    try:
        s.sendto(query(qid, 'p%d.%s.first.bench.test' % (n, tag)), addr)
    except OSError:
        pass  # ICMP port unreachable from an earlier probe
    deadline = time.monotonic() + 0.001
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if r:
            try:
                data = s.recv(4096)
            except OSError:
                continue
            if len(data) >= 12 and struct.unpack('>H', data[:2])[0] == qid:
                first = time.monotonic() - t0
                with open('/proc/%d/stat' % proc.pid) as f:
                    st = f.read().rsplit(')', 1)[1].split()
                cpu_ms = (int(st[11]) + int(st[12])) * 1000 / os.sysconf('SC_CLK_TCK')
                break
first_ms = first * 1000
if load_secs <= 0:
    rss_after = float(os.environ.get('RSS_AFTER', '0'))
    rss = ''
    if rss_after > 0:
        time.sleep(rss_after)
        with open('/proc/%d/status' % proc.pid) as f:
            rss = ' ' + [l.split()[1] for l in f if l.startswith('VmRSS')][0]
        if os.environ.get('NMT_OUT'):
            subprocess.run([os.environ['JCMD'], str(proc.pid), 'VM.native_memory', 'summary'],
                           stdout=open(os.environ['NMT_OUT'], 'w'), stderr=subprocess.STDOUT)
    print('%.1f %.0f%s' % (first_ms, cpu_ms, rss))
    sys.stdout.flush()
    proc.terminate(); proc.wait(); sys.exit(0)

# open loop: query i is due at start + i/rate; its latency runs from then to its answer
total = int(load_secs * rate)
due = [0.0] * total
lat = [None] * total
interval = 1.0 / rate
names = [query(i & 0xffff, 'm%d.%s.miss.bench.test' % (i, tag)) for i in range(total)]
start = time.monotonic() + 0.01
i = 0
while True:
    now = time.monotonic()
    while i < total and start + i * interval <= now:
        due[i] = start + i * interval
        try:
            s.sendto(names[i], addr)
        except OSError:
            pass
        i += 1
    nxt = start + i * interval if i < total else start + load_secs + 1.0
    if i >= total and now >= nxt:
        break
    r, _, _ = select.select([s], [], [], max(0.0, nxt - now))
    if r:
        while True:
            try:
                data = s.recv(4096)
            except BlockingIOError:
                break
            except OSError:
                continue
            t = time.monotonic()
            if len(data) < 12:
                continue
            qid = struct.unpack('>H', data[:2])[0]
            # ids wrap at 65536; the newest sent query with that id (total stays below 65536)
            if qid < i and lat[qid] is None:
                lat[qid] = t - due[qid]
proc.terminate(); proc.wait()
ok = sorted(x for x in lat if x is not None and x <= 1.0)
lost = total - len(ok)
full = ok + [float('inf')] * lost


def pct(p):
    return full[min(len(full) - 1, int(p * len(full)))] * 1000


print('%.1f %.0f %.2f %.2f %.2f %.2f %d %d' % (first_ms, cpu_ms, pct(0.5), pct(0.99), pct(0.999), (ok[-1] if ok else 0) * 1000, lost, total))
