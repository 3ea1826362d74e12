#!/usr/bin/env python3
"""The first seconds of a server under 5k qps of misses, on one time axis: the server's CPU per
thread (/proc/PID/task/*/schedstat every 5 ms) beside the load generator's latency per interval
(issue 17's first-5 s p99; docs/benchmarks.md "The first seconds"). Loopback only.

usage: starttimeline.py OUTDIR PORT UP_PORT -- SERVER_COMMAND...
The upstream (bench/reflector.c -m -t) must already listen on 127.0.0.1:UP_PORT (on CPU 1); the
server runs under taskset -c 0 in OUTDIR and must serve 127.0.0.1:PORT, forwarding there.
Environment:
  LG        the load generator's command, e.g. "java <bench_jvm_flags> -cp JAR:LIB/* io.nodedns.bench.LoadGenerator"
  HLOGDUMP  "java -cp HdrHistogram.jar bench/HlogIntervals.java"
  INTERVAL (20ms), RATE (5000), SECS (5)
Writes OUTDIR/timeline.txt: per interval count, p50, p99, max and CPU ms of the UDP loop, C1, main,
VM thread, prelink, others; CPU before the first answer; CPU from the first answer until N queries
were answered. Add NODEDNS_JAVA_OPTS=-Xlog:jit+compilation=debug:file=jit.log:timemillis to see
what was compiled when.
"""
import os, subprocess, sys, time, re, collections

out = sys.argv[1]; port = int(sys.argv[2]); up = int(sys.argv[3])
cmd = sys.argv[sys.argv.index('--') + 1:]
os.makedirs(out, exist_ok=True)
interval = os.environ.get('INTERVAL', '20ms')
rate = os.environ.get('RATE', '5000'); secs = os.environ.get('SECS', '5')
lg = os.environ['LG'].split()
lgcmd = ['taskset', '-c', '1'] + lg + ['--server', '127.0.0.1:%d' % port, '--warmup-server', '127.0.0.1:%d' % up,
         '--warmup', '2s', '--await', '120s', '--workload', 'miss', '--rate', rate, '--duration', secs + 's',
         '--timeout', '5s', '--label', 'tl', '--hlog', out + '/lg.hlog', '--interval', interval,
         '--percentiles', out + '/lg.pct']
lgout = open(out + '/lg.out', 'w')
lgp = subprocess.Popen(lgcmd, stdout=lgout, stderr=subprocess.STDOUT)
while True:
    if lgp.poll() is not None:
        sys.exit('loadgen ended early: ' + open(out + '/lg.out').read())
    if 'awaiting the first answer' in open(out + '/lg.out').read():
        break
    time.sleep(0.02)
t_exec = time.time()
srv = subprocess.Popen(['taskset', '-c', '0'] + cmd, stdout=open(out + '/server.out', 'w'),
                       stderr=subprocess.STDOUT, cwd=out)
pid = srv.pid
samples = []  # (wall, {tid: (comm, ns)})
names = {}
while lgp.poll() is None:
    if srv.poll() is not None:
        lgp.kill(); sys.exit('server ended: ' + open(out + '/server.out').read()[-1500:])
    now = time.time()
    snap = {}
    try:
        for tid in os.listdir('/proc/%d/task' % pid):
            try:
                with open('/proc/%d/task/%s/schedstat' % (pid, tid)) as f:
                    ns = int(f.read().split()[0])
                if tid not in names:
                    with open('/proc/%d/task/%s/comm' % (pid, tid)) as f:
                        names[tid] = f.read().strip()
                snap[tid] = ns
            except OSError:
                pass
    except OSError:
        pass
    samples.append((now, snap))
    time.sleep(0.005)
# comm may change after start (Java sets names after clone): read again at the end
for tid in list(names):
    try:
        with open('/proc/%d/task/%s/comm' % (pid, tid)) as f:
            names[tid] = f.read().strip()
    except OSError:
        pass
srv.terminate()
try:
    srv.wait(5)
except subprocess.TimeoutExpired:
    srv.kill()
lgout.close()
txt = open(out + '/lg.out').read()
m = re.search(r'first answer after ([0-9.]+) ms', txt)
start_line = open(out + '/lg.hlog').read()
st = float(re.search(r'#\[StartTime: ([0-9.]+)', start_line).group(1))
# hlog intervals
dump = subprocess.run(os.environ['HLOGDUMP'].split() + [out + '/lg.hlog'], capture_output=True, text=True).stdout
rows = []
for line in dump.splitlines():
    f = line.split()
    if len(f) == 6:
        rows.append([float(x) for x in f])  # start_s len_s count p50_ms p99_ms max_ms


def group(name):
    for pfx, g in (('C1 Compiler', 'C1'), ('C2 Compiler', 'C2'), ('nodedns-udp', 'udp'), ('nodedns-prel', 'prelink'),
                   ('VM Thread', 'VM'), ('java', 'main'), ('main', 'main')):
        if name.startswith(pfx):
            return g
    return 'other'


bin_s = 0.02
cpu = collections.defaultdict(lambda: collections.defaultdict(float))
other_names = collections.Counter()
for (t0, a), (t1, b) in zip(samples, samples[1:]):
    for tid, ns in b.items():
        d = ns - a.get(tid, 0 if tid not in a and t0 > t_exec else ns)
        if d <= 0:
            continue
        g = group(names.get(tid, '?'))
        if g == 'other':
            other_names[names.get(tid, '?')] += d
        k = int((t1 - st) // bin_s)
        cpu[k][g] += d / 1e6
groups = ['udp', 'C1', 'main', 'VM', 'prelink', 'other']
with open(out + '/timeline.txt', 'w') as f:
    f.write('exec at %.3f s before the first measured interval; %s\n' % (st - t_exec, m.group(0) if m else ''))
    f.write('other threads (ms): %s\n' % ', '.join('%s %.1f' % (n, v / 1e6) for n, v in other_names.most_common(12)))
    f.write('%8s %6s %8s %8s %8s | %s\n' % ('t_ms', 'n', 'p50ms', 'p99ms', 'maxms', ' '.join('%7s' % g for g in groups)))
    for r in rows:
        k = int(round(r[0] / bin_s))
        c = cpu.get(k, {})
        f.write('%8.0f %6d %8.2f %8.2f %8.2f | %s\n' % (r[0] * 1000, r[2], r[3], r[4], r[5],
                                                      ' '.join('%7.1f' % c.get(g, 0) for g in groups)))
    # before the first interval: the start-up
    pre = collections.defaultdict(float)
    for k, c in cpu.items():
        if k < 0:
            for g, v in c.items():
                pre[g] += v
    f.write('before the first answer: %s\n' % ', '.join('%s %.0f ms' % (g, pre[g]) for g in groups))
    # CPU spent from the first answer until N queries were answered (interval ends), per thread group
    f.write('after the first answer, CPU ms per thread group until N queries were answered:\n')
    f.write('%7s %7s | %s\n' % ('N', 't_ms', ' '.join('%7s' % g for g in groups)))
    done = 0; marks = [500, 1000, 2000, 3000, 5000, 10000, 25000]
    for r in rows:
        done += r[2]
        while marks and done >= marks[0]:
            end = int(round((r[0] + r[1]) / bin_s))
            tot = collections.defaultdict(float)
            for k, c in cpu.items():
                if 0 <= k < end:
                    for g, v in c.items():
                        tot[g] += v
            f.write('%7d %7.0f | %s\n' % (marks[0], (r[0] + r[1]) * 1000, ' '.join('%7.1f' % tot[g] for g in groups)))
            marks.pop(0)
    post = collections.Counter()
    for (t0, a), (t1, b) in zip(samples, samples[1:]):
        if t1 >= st:
            for tid, ns in b.items():
                d = ns - a.get(tid, ns)
                if d > 0:
                    post[names.get(tid, '?')] += d
    f.write('after the first answer, per thread (ms): %s\n' % ', '.join('%s %.1f' % (n, v / 1e6) for n, v in post.most_common(14)))
t=open(out + '/timeline.txt').read()
print(t[:300]); print(t[t.index('before the first answer'):])
print(re.search(r'RESULT.*', txt).group(0) if 'RESULT' in txt else txt[-2000:])
