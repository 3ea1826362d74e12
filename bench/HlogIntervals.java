import org.HdrHistogram.*;
/** Prints each interval of an HdrHistogram log: start s, length s, count, p50, p99, max ms (bench/starttimeline.py). */
public class HlogIntervals {
    public static void main(String[] a) throws Exception {
        HistogramLogReader r = new HistogramLogReader(a[0]);
        EncodableHistogram e;
        double base = -1;
        while ((e = r.nextIntervalHistogram()) != null) {
            Histogram h = (Histogram) e;
            if (base < 0) base = r.getStartTimeSec();
            System.out.printf("%.3f %.3f %d %.3f %.3f %.3f%n", h.getStartTimeStamp() / 1000.0 - base,
                (h.getEndTimeStamp() - h.getStartTimeStamp()) / 1000.0, h.getTotalCount(),
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
        }
    }
}
