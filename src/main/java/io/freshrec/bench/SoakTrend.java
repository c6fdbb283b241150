package io.freshrec.bench;

/**
 * Whether a series sampled during a soak trends upward once warm: the least-squares line through the warm samples
 * must not rise, over the warm span, by more than the tolerance: a share of the series' mean, or an absolute floor for
 * series whose mean is near zero (dead letters per minute, a small heap). A flat series with noise passes; one that
 * keeps growing (a leak, state without bound, checkpoints getting slower) fails and says by how much.
 */
final class SoakTrend {
    private SoakTrend() {}

    /** The judgement of one series. */
    record Verdict(
            String series,
            String unit,
            int samples,
            double first,
            double last,
            double mean,
            double slopePerMinute,
            double rise,
            double allowed,
            boolean holds) {}

    /**
     * @param minutes when each sample was taken (minutes since the soak began), ascending
     * @param values the samples (NaN: not available then, left out)
     * @param share the rise allowed as a share of the mean (0.25: 25%)
     * @param floor the rise allowed whatever the mean
     */
    static Verdict judge(String series, String unit, double[] minutes, double[] values, double share, double floor) {
        if (minutes.length != values.length) {
            throw new IllegalArgumentException("as many times as values");
        }
        int n = 0;
        double sumX = 0;
        double sumY = 0;
        double first = Double.NaN;
        double last = Double.NaN;
        for (int i = 0; i < values.length; i++) {
            if (Double.isFinite(values[i])) {
                n++;
                sumX += minutes[i];
                sumY += values[i];
                first = Double.isNaN(first) ? values[i] : first;
                last = values[i];
            }
        }
        if (n < 3) {
            return new Verdict(series, unit, n, first, last, n == 0 ? Double.NaN : sumY / n, 0, 0, floor, false);
        }
        double meanX = sumX / n;
        double meanY = sumY / n;
        double sxx = 0;
        double sxy = 0;
        double from = Double.POSITIVE_INFINITY;
        double to = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < values.length; i++) {
            if (Double.isFinite(values[i])) {
                sxx += (minutes[i] - meanX) * (minutes[i] - meanX);
                sxy += (minutes[i] - meanX) * (values[i] - meanY);
                from = Math.min(from, minutes[i]);
                to = Math.max(to, minutes[i]);
            }
        }
        double slope = sxx == 0 ? 0 : sxy / sxx;
        double rise = slope * (to - from);
        double allowed = Math.max(floor, share * Math.abs(meanY));
        return new Verdict(series, unit, n, first, last, meanY, slope, rise, allowed, rise <= allowed);
    }
}
