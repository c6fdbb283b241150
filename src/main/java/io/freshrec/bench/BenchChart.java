package io.freshrec.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** bench.png: six panels (throughput, freshness, lookup latency, lookup rate, growth with users, history length). */
final class BenchChart {
    private static final int PANEL_WIDTH = 700;
    private static final int PANEL_HEIGHT = 460;
    private static final Color[] COLORS = {
        new Color(0x1f77b4),
        new Color(0xff7f0e),
        new Color(0x2ca02c),
        new Color(0xd62728),
        new Color(0x9467bd),
        new Color(0x8c564b)
    };

    private BenchChart() {}

    /**
     * soak.png: each soak series as a share of its mean once warm (100% = its mean), over the minutes of the soak; the
     * warm-up is shaded out by starting the axis at 0 and marking where judging begins in the subtitle.
     */
    static void writeSoak(BenchResult r, Path png) throws IOException {
        BenchResult.Soak soak = r.soak;
        XYSeriesCollection all = new XYSeriesCollection();
        List<java.util.function.ToDoubleFunction<BenchResult.SoakSample>> values = List.of(
                s -> s.heapAfterGcMb,
                s -> s.rocksDbMb,
                s -> s.checkpointSeconds,
                s -> s.checkpointMb,
                s -> s.freshnessP99Ms,
                s -> s.deadLettersPerMinute);
        for (int i = 0; i < values.size() && i < soak.verdicts.size(); i++) {
            BenchResult.SoakVerdict verdict = soak.verdicts.get(i);
            XYSeries series = new XYSeries(String.format(
                    Locale.ROOT,
                    "%s (mean %.1f %s%s)",
                    verdict.series,
                    verdict.mean,
                    verdict.unit,
                    verdict.holds ? "" : ", TRENDS UP"));
            for (BenchResult.SoakSample sample : soak.samples) {
                double value = values.get(i).applyAsDouble(sample);
                if (Double.isFinite(value) && verdict.mean != 0 && Double.isFinite(verdict.mean)) {
                    series.add(sample.minute, 100 * value / verdict.mean);
                }
            }
            all.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(
                String.format(
                        Locale.ROOT,
                        "Soak: %,.0f events/s for %.0f min (%s)",
                        soak.targetRate,
                        soak.minutes,
                        soak.passed ? "nothing trends upward once warm" : "a series trends upward"),
                "minutes",
                "% of the series' warm mean",
                all,
                PlotOrientation.VERTICAL,
                true,
                false,
                false);
        chart.getXYPlot().setRenderer(lines(0));
        chart.addSubtitle(new TextTitle(
                String.format(
                        Locale.ROOT,
                        "judged from minute %.1f: a fitted rise over a quarter of the mean (or a small floor) fails",
                        soak.warmupMinutes),
                new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
        style(chart);
        ImageIO.write(chart.createBufferedImage(PANEL_WIDTH * 2, PANEL_HEIGHT), "png", png.toFile());
    }

    static void write(BenchResult r, Path png) throws IOException {
        List<JFreeChart> charts =
                List.of(throughput(r), freshness(r), latency(r), lookupRate(r), growth(r), historyLength(r));
        int columns = 2;
        int rows = (charts.size() + columns - 1) / columns;
        int header = 50;
        BufferedImage image =
                new BufferedImage(columns * PANEL_WIDTH, header + rows * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
            BenchResult.Settings s = r.settings;
            g.drawString(
                    String.format(
                            Locale.ROOT,
                            "FreshRec bench%s: %,d users, %,d items, history %d, %s, checkpoints every %s; "
                                    + "%d cores, load %.1f-%.1f",
                            s.quick ? " (quick)" : "",
                            s.users,
                            s.items,
                            s.historyLength,
                            s.stateBackend,
                            s.checkpointInterval,
                            r.machine.cores,
                            r.machine.load1Before,
                            r.machine.load1Max),
                    16,
                    32);
            for (int i = 0; i < charts.size(); i++) {
                int x = (i % columns) * PANEL_WIDTH;
                int y = header + (i / columns) * PANEL_HEIGHT;
                charts.get(i).draw(g, new Rectangle2D.Double(x + 5, y + 5, PANEL_WIDTH - 10, PANEL_HEIGHT - 10));
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", png.toFile());
    }

    private static JFreeChart throughput(BenchResult r) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        data.addValue(r.throughput.ceiling.eventsPerSecond, "events/s", "in-memory ceiling");
        data.addValue(r.throughput.ceiling.eventsPerCpuSecond, "events per CPU-second", "in-memory ceiling");
        for (BenchResult.JobThroughput t : r.throughput.job) {
            String column = String.format(Locale.ROOT, "job p%d (%.0f%%)", t.parallelism, t.percentOfCeiling);
            data.addValue(t.eventsPerSecond, "events/s", column);
            data.addValue(t.eventsPerCpuSecond, "events per CPU-second", column);
        }
        for (BenchResult.JobThroughput t : r.throughput.floor) {
            String column = String.format(Locale.ROOT, "engine floor p%d", t.parallelism);
            data.addValue(t.eventsPerSecond, "events/s", column);
            data.addValue(t.eventsPerCpuSecond, "events per CPU-second", column);
        }
        JFreeChart chart = bars("Maximum throughput: events/s and events per CPU-second", "events", data, "%,.0f");
        target(chart, BenchVerdict.EVENTS_PER_SECOND, "target 25,000/s");
        return chart;
    }

    private static JFreeChart freshness(BenchResult r) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        data.addValue(r.freshness.p50Ms, "ms", "p50");
        data.addValue(r.freshness.p99Ms, "ms", "p99");
        JFreeChart chart = bars(
                String.format(
                        Locale.ROOT,
                        "Freshness at half load (%,.0f events/s), arrival -> served list",
                        r.freshness.achievedRate),
                "ms",
                data,
                "%,.0f");
        target(chart, BenchVerdict.FRESHNESS_P99_MS, "target p99 250 ms");
        return chart;
    }

    private static JFreeChart latency(BenchResult r) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        addLatency(data, "queryable state", r.lookups.queryableState);
        addLatency(data, "Redis", r.lookups.redis);
        JFreeChart chart = bars("Lookup latency (ms, log scale)", "ms", data, "%.3f");
        CategoryPlot plot = chart.getCategoryPlot();
        LogAxis axis = new LogAxis("ms");
        axis.setSmallestValue(0.01);
        axis.setTickUnit(new NumberTickUnit(1.0));
        axis.setNumberFormatOverride(new DecimalFormat("0.###"));
        plot.setRangeAxis(axis);
        target(chart, BenchVerdict.LOOKUP_P99_MS, "target p99 1 ms (one client)");
        return chart;
    }

    private static void addLatency(DefaultCategoryDataset data, String store, List<BenchResult.Latency> rows) {
        for (BenchResult.Latency l : rows) {
            String series = store + ", " + l.clients + (l.clients == 1 ? " client" : " clients");
            data.addValue(Math.max(l.p50Ms, 0.001), series, "p50");
            data.addValue(Math.max(l.p99Ms, 0.001), series, "p99");
            data.addValue(Math.max(l.p999Ms, 0.001), series, "p99.9");
        }
    }

    private static JFreeChart lookupRate(BenchResult r) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (BenchResult.Latency l : r.lookups.queryableState) {
            data.addValue(l.perSecond, l.clients + (l.clients == 1 ? " client" : " clients"), "queryable state");
        }
        for (BenchResult.Latency l : r.lookups.redis) {
            data.addValue(l.perSecond, l.clients + (l.clients == 1 ? " client" : " clients"), "Redis");
        }
        return bars("Lookups per second", "lookups/s", data, "%,.0f");
    }

    private static JFreeChart growth(BenchResult r) {
        XYSeries state = new XYSeries("checkpoint state (MB, left)");
        XYSeries savepoint = new XYSeries("savepoint (MB, left)");
        XYSeriesCollection sizes = new XYSeriesCollection();
        XYSeries checkpoint = new XYSeries("checkpoint (s, right)");
        XYSeries restore = new XYSeries("restore (s, right)");
        XYSeriesCollection times = new XYSeriesCollection();
        StringBuilder perUser = new StringBuilder("bytes per user:");
        for (BenchResult.GrowthLevel level : r.growth.levels) {
            double users = Math.max(1, level.users);
            state.add(users, level.checkpointBytes / (double) (1 << 20));
            savepoint.add(users, level.savepointBytes / (double) (1 << 20));
            checkpoint.add(users, level.checkpointDurationMs / 1000);
            restore.add(users, level.restoreSeconds);
            perUser.append(String.format(Locale.ROOT, "  %,d -> %,.0f B", level.users, level.bytesPerUser));
        }
        sizes.addSeries(state);
        sizes.addSeries(savepoint);
        times.addSeries(checkpoint);
        times.addSeries(restore);
        JFreeChart chart = ChartFactory.createXYLineChart(
                String.format(
                        Locale.ROOT,
                        "Growth with users (%d event%s per user)",
                        r.growth.eventsPerUser,
                        r.growth.eventsPerUser == 1 ? "" : "s"),
                "users (log scale)",
                "MB",
                sizes,
                PlotOrientation.VERTICAL,
                true,
                false,
                false);
        XYPlot plot = chart.getXYPlot();
        LogAxis users = new LogAxis("users (log scale)");
        users.setNumberFormatOverride(new DecimalFormat("#,##0"));
        users.setTickUnit(new NumberTickUnit(1.0));
        plot.setDomainAxis(users);
        plot.setRenderer(0, lines(0));
        plot.setRangeAxis(1, new NumberAxis("seconds"));
        plot.setDataset(1, times);
        plot.mapDatasetToRangeAxis(1, 1);
        plot.setRenderer(1, lines(2));
        chart.addSubtitle(new TextTitle(perUser.toString(), new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
        style(chart);
        return chart;
    }

    private static XYLineAndShapeRenderer lines(int firstColor) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < 2; i++) {
            renderer.setSeriesPaint(i, COLORS[firstColor + i]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        return renderer;
    }

    private static JFreeChart historyLength(BenchResult r) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        StringBuilder sizes = new StringBuilder("user-history bytes per user:");
        for (BenchResult.HistoryLength h : r.historyLength) {
            String column = "history " + h.historyLength;
            data.addValue(h.eventsPerSecond, "job (RocksDB, checkpoints)", column);
            data.addValue(h.ceilingEventsPerSecond, "in-memory ceiling", column);
            sizes.append(String.format(Locale.ROOT, "  %d -> %,.0f B", h.historyLength, h.bytesPerUser));
        }
        JFreeChart chart = bars("Throughput by history length (events/s)", "events/s", data, "%,.0f");
        chart.addSubtitle(new TextTitle(sizes.toString(), new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
        return chart;
    }

    private static JFreeChart bars(String title, String axis, DefaultCategoryDataset data, String labelFormat) {
        JFreeChart chart = ChartFactory.createBarChart(
                title, null, axis, data, PlotOrientation.VERTICAL, data.getRowCount() > 1, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        for (int i = 0; i < COLORS.length; i++) {
            renderer.setSeriesPaint(i, COLORS[i]);
        }
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator(
                "{2}", new DecimalFormat(labelFormat.contains(".3") ? "#,##0.000" : "#,##0")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        ((NumberAxis) plot.getRangeAxis()).setUpperMargin(0.15);
        style(chart);
        return chart;
    }

    private static void target(JFreeChart chart, double value, String label) {
        ValueMarker marker = new ValueMarker(
                value,
                Color.RED,
                new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        marker.setLabel(label);
        marker.setLabelPaint(Color.RED);
        marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        marker.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        marker.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.addRangeMarker(marker);
        // Keep the target in view even when every bar is far below it.
        if (plot.getRangeAxis() instanceof NumberAxis axis && !(plot.getRangeAxis() instanceof LogAxis)) {
            axis.setAutoRangeIncludesZero(true);
        }
        plot.getRangeAxis().setAutoRange(true);
        double upper = plot.getRangeAxis().getUpperBound();
        if (upper < value * 1.1) {
            plot.getRangeAxis().setUpperBound(value * 1.15);
        }
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        if (chart.getPlot() instanceof CategoryPlot plot) {
            plot.setBackgroundPaint(new Color(0xf7f7f7));
            plot.setRangeGridlinePaint(Color.GRAY);
        } else if (chart.getPlot() instanceof XYPlot plot) {
            plot.setBackgroundPaint(new Color(0xf7f7f7));
            plot.setRangeGridlinePaint(Color.GRAY);
            plot.setDomainGridlinePaint(Color.GRAY);
        }
    }
}
