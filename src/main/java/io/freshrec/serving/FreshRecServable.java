package io.freshrec.serving;

import io.freshrec.model.ModelConfig;
import io.freshrec.model.ModelData;
import io.freshrec.model.ModelExport;
import io.freshrec.model.Recommendations;
import io.freshrec.model.Scorer;
import io.freshrec.model.SeenItems;
import io.freshrec.model.UserHistory;
import io.freshrec.model.UserProfile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.ml.linalg.DenseVector;
import org.apache.flink.ml.param.IntParam;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.ParamValidators;
import org.apache.flink.ml.servable.api.DataFrame;
import org.apache.flink.ml.servable.api.ModelServable;
import org.apache.flink.ml.servable.api.Row;
import org.apache.flink.ml.servable.types.BasicType;
import org.apache.flink.ml.servable.types.DataTypes;
import org.apache.flink.ml.util.ParamUtils;

/**
 * FreshRec's scoring as a Flink ML {@link ModelServable}: load a published model ({@link ModelData})
 * and score users outside Flink with the same {@link Scorer} the serving operator uses.
 *
 * <p>Input columns: {@code history} (item ids, oldest first), {@code weights} (interest in each, as
 * of {@code times}), {@code times} (epoch ms of the last interaction with each), {@code now} (LONG,
 * the time to score at) and optionally {@code seen} (items to exclude besides the history). Vectors
 * are Flink ML dense vectors; ids and times are exact below 2^53. Output columns: {@code
 * recommendations} (item ids) and {@code scores}.
 *
 * <p>A model exported from a savepoint ({@code freshrec export}) loads with {@link #load(Path)}, and its
 * users become an input frame with {@link #input(List)}.
 */
public final class FreshRecServable implements ModelServable<FreshRecServable> {
    public static final Param<Integer> K = new IntParam("k", "How many items to recommend.", 10, ParamValidators.gt(0));

    private final Map<Param<?>, Object> params = new HashMap<>();
    private ModelData model;

    public FreshRecServable() {
        ParamUtils.initializeMapWithDefaultValues(params, this);
    }

    @Override
    public FreshRecServable setModelData(InputStream... modelDataInputs) throws IOException {
        if (modelDataInputs.length != 1) {
            throw new IllegalArgumentException("expected one model data stream, got " + modelDataInputs.length);
        }
        model = ModelData.read(modelDataInputs[0]);
        return this;
    }

    /**
     * A servable with the model of an export directory ({@code freshrec export --out DIR}) or of a
     * {@code model.jsonl} file; {@link #K} is set to the model's list length ({@code
     * freshrec.serving.top-n}), so it scores users as the job served them.
     */
    public static FreshRecServable load(Path location) throws IOException {
        FreshRecServable servable = new FreshRecServable();
        servable.model = ModelExport.readModel(location);
        servable.set(K, servable.model.config().topN);
        return servable;
    }

    /**
     * An input frame with one row per user: {@code user} (LONG, passed through), {@code history},
     * {@code weights}, {@code times}, {@code now} (the time the user's served list was computed at,
     * see {@link UserProfile#scoreTime()}) and {@code seen}.
     */
    public static DataFrame input(List<UserProfile> users) {
        List<Row> rows = new ArrayList<>();
        for (UserProfile user : users) {
            UserHistory history = user.history;
            double[] items = new double[history.items.length];
            double[] times = new double[history.times.length];
            for (int i = 0; i < items.length; i++) {
                items[i] = history.items[i];
                times[i] = history.times[i];
            }
            double[] seen = new double[user.seen.length];
            for (int i = 0; i < seen.length; i++) {
                seen[i] = user.seen[i];
            }
            rows.add(new Row(new ArrayList<>(List.of(
                    user.user,
                    new DenseVector(items),
                    new DenseVector(history.weights.clone()),
                    new DenseVector(times),
                    user.scoreTime(),
                    new DenseVector(seen)))));
        }
        return new DataFrame(
                new ArrayList<>(List.of("user", "history", "weights", "times", "now", "seen")),
                new ArrayList<>(List.of(
                        DataTypes.LONG,
                        DataTypes.VECTOR(BasicType.DOUBLE),
                        DataTypes.VECTOR(BasicType.DOUBLE),
                        DataTypes.VECTOR(BasicType.DOUBLE),
                        DataTypes.LONG,
                        DataTypes.VECTOR(BasicType.DOUBLE))),
                rows);
    }

    public ModelData model() {
        return model;
    }

    @Override
    public DataFrame transform(DataFrame input) {
        if (model == null) {
            throw new IllegalStateException("no model: call setModelData first");
        }
        ModelConfig config = model.config().copy();
        config.topN = get(K);
        config.trendingSize = Math.max(config.trendingSize, config.topN);
        Scorer scorer = new Scorer(config);
        int history = input.getIndex("history");
        int weights = input.getIndex("weights");
        int times = input.getIndex("times");
        int now = input.getIndex("now");
        int seenColumn = input.getColumnNames().contains("seen") ? input.getIndex("seen") : -1;
        List<Object> recommended = new ArrayList<>();
        List<Object> scores = new ArrayList<>();
        for (Row row : input.collect()) {
            UserHistory user = new UserHistory();
            DenseVector items = row.getAs(history);
            user.items = new long[items.size()];
            for (int i = 0; i < items.size(); i++) {
                user.items[i] = (long) items.get(i);
            }
            user.weights = ((DenseVector) row.getAs(weights)).values.clone();
            DenseVector at = row.getAs(times);
            user.times = new long[at.size()];
            for (int i = 0; i < at.size(); i++) {
                user.times[i] = (long) at.get(i);
                user.lastEventTime = Math.max(user.lastEventTime, user.times[i]);
            }
            SeenItems seen = new SeenItems();
            int limit = Integer.MAX_VALUE;
            if (seenColumn >= 0 && row.get(seenColumn) != null) {
                DenseVector extra = row.getAs(seenColumn);
                for (int i = 0; i < extra.size(); i++) {
                    seen.add((long) extra.get(i), limit);
                }
            }
            for (long item : user.items) {
                seen.add(item, limit);
            }
            Recommendations result = scorer.recommend(-1, user, seen, model, ((Number) row.get(now)).longValue());
            double[] ids = new double[result.items.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = result.items[i];
            }
            recommended.add(new DenseVector(ids));
            scores.add(new DenseVector(result.scores.clone()));
        }
        input.addColumn("recommendations", DataTypes.VECTOR(BasicType.DOUBLE), recommended);
        input.addColumn("scores", DataTypes.VECTOR(BasicType.DOUBLE), scores);
        return input;
    }

    @Override
    public Map<Param<?>, Object> getParamMap() {
        return params;
    }
}
