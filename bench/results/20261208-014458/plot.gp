set terminal pngcairo size 1100,900 font 'Sans,10'
set output '/work/main/docs/benchmarks-latency.png.tmp'
set logscale xy; set grid; set key top left
set xtics ('50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000)
set xlabel 'percentile'; set ylabel 'latency (us, from intended send time)'
set multiplot layout 2,1
set title 'cache hits at 20000 qps, open loop (20261208-014458)'
plot "bench/results/20261208-014458/raw/reflector-mmsg-hit-open-1.dat" using 1:2 with lines lw 2 title "reflector-mmsg", "bench/results/20261208-014458/raw/reflector-plain-hit-open-2.dat" using 1:2 with lines lw 2 title "reflector-plain", "bench/results/20261208-014458/raw/dnsdist-hit-open-2.dat" using 1:2 with lines lw 2 title "dnsdist", "bench/results/20261208-014458/raw/unbound-hit-open-2.dat" using 1:2 with lines lw 2 title "unbound", "bench/results/20261208-014458/raw/nodedns-base-hit-open-2.dat" using 1:2 with lines lw 2 title "nodedns-base", "bench/results/20261208-014458/raw/nodedns-hit-open-1.dat" using 1:2 with lines lw 2 title "nodedns"
set title 'misses at 10000 qps, open loop (20261208-014458)'
plot "bench/results/20261208-014458/raw/dnsdist-miss-open-2.dat" using 1:2 with lines lw 2 title "dnsdist", "bench/results/20261208-014458/raw/unbound-miss-open-3.dat" using 1:2 with lines lw 2 title "unbound", "bench/results/20261208-014458/raw/nodedns-base-miss-open-3.dat" using 1:2 with lines lw 2 title "nodedns-base", "bench/results/20261208-014458/raw/nodedns-miss-open-2.dat" using 1:2 with lines lw 2 title "nodedns"
unset multiplot
