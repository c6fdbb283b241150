package io.freshrec.model;

/**
 * Trend of a quality figure: the figure is sampled at the end of each event-time window (its last value in
 * the window) and the trend is the least-squares slope over the last {@value #SAMPLES} samples, in change per
 * window (0 until two windows have ended). Monitoring only: not checkpointed.
 */
public final class QualityTrend {
    public static final int SAMPLES = 10;
    private final EventTimeWindows windows;
    private final double[] samples = new double[SAMPLES];
    private int count;
    private int next;
    private double last = Double.NaN;

    public QualityTrend(long windowMs) {
        this.windows = new EventTimeWindows(windowMs, "trend");
    }

    /** The figure's value at event time {@code time}. */
    public void record(long time, double value) {
        if (windows.advance(time) && !Double.isNaN(last)) {
            samples[next] = last;
            next = (next + 1) % SAMPLES;
            count = Math.min(count + 1, SAMPLES);
        }
        last = value;
    }

    /** Least-squares slope of the samples, oldest first, per window. */
    public double slope() {
        if (count < 2) {
            return 0.0;
        }
        int start = count < SAMPLES ? 0 : next;
        double meanX = (count - 1) / 2.0;
        double meanY = 0;
        for (int i = 0; i < count; i++) {
            meanY += samples[(start + i) % SAMPLES];
        }
        meanY /= count;
        double covariance = 0;
        double variance = 0;
        for (int i = 0; i < count; i++) {
            double dx = i - meanX;
            covariance += dx * (samples[(start + i) % SAMPLES] - meanY);
            variance += dx * dx;
        }
        return covariance / variance;
    }

    public int samples() {
        return count;
    }
}
