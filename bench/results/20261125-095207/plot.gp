set terminal pngcairo size 1100,900 font 'Sans,10'
set output '/work/main/docs/benchmarks-latency.png'
set logscale xy; set grid; set key top left
set xtics ('50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000)
set xlabel 'percentile'; set ylabel 'latency (us, from intended send time)'
set multiplot layout 2,1
set title 'cache hits at 20000 qps, open loop (20261125-095207)'
plot "/work/main/bench/results/20261125-095207/raw/reflector-mmsg-hit-open-2.dat" using 1:2 with lines lw 2 title "reflector-mmsg", "/work/main/bench/results/20261125-095207/raw/reflector-plain-hit-open-3.dat" using 1:2 with lines lw 2 title "reflector-plain", "/work/main/bench/results/20261125-095207/raw/dnsdist-hit-open-1.dat" using 1:2 with lines lw 2 title "dnsdist", "/work/main/bench/results/20261125-095207/raw/unbound-hit-open-3.dat" using 1:2 with lines lw 2 title "unbound", "/work/main/bench/results/20261125-095207/raw/nodedns-hit-open-3.dat" using 1:2 with lines lw 2 title "nodedns"
set title 'misses at 10000 qps, open loop (20261125-095207)'
plot "/work/main/bench/results/20261125-095207/raw/dnsdist-miss-open-3.dat" using 1:2 with lines lw 2 title "dnsdist", "/work/main/bench/results/20261125-095207/raw/unbound-miss-open-1.dat" using 1:2 with lines lw 2 title "unbound", "/work/main/bench/results/20261125-095207/raw/nodedns-miss-open-1.dat" using 1:2 with lines lw 2 title "nodedns"
unset multiplot
