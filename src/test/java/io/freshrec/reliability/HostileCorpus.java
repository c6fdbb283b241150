package io.freshrec.reliability;

import io.freshrec.events.InteractionParser;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * Valid interactions with bad records interleaved, every record a function of its index (the multi-MB ones are
 * made when read, not kept). The bad records cover every kind of hostile input FreshRec must turn into a dead
 * letter without a restart: invalid JSON, wrong types, huge payloads (over the 64 KiB limit, some of several MB),
 * NaN and negative values, unknown event types, far past and far future timestamps, duplicated fields, control
 * characters and empty records. (A record identical to an earlier one is not among them: the wire format has no
 * event id, so it is a second interaction; see docs/model.md, "Interactions on the wire".)
 */
final class HostileCorpus implements GeneratorFunction<Long, String> {
    private static final long serialVersionUID = 1L;

    enum Kind {
        INVALID_JSON,
        WRONG_TYPE,
        HUGE_PAYLOAD,
        NAN_OR_NEGATIVE,
        UNKNOWN_TYPE,
        FAR_TIMESTAMP,
        DUPLICATE_FIELD,
        CONTROL_CHARACTERS,
        EMPTY
    }

    private final ArrayList<String> valid;
    /** Per record: the index of a valid record (>= 0) or -1 - the index of a bad one. */
    private final int[] plan;

    private final long seed;

    HostileCorpus(List<String> valid, int bad, long seed) {
        this.valid = new ArrayList<>(valid);
        this.seed = seed;
        this.plan = new int[valid.size() + bad];
        // Bad records at random places among the valid ones, which keep their order.
        SplittableRandom random = new SplittableRandom(seed);
        int v = 0;
        int b = 0;
        for (int i = 0; i < plan.length; i++) {
            int validLeft = valid.size() - v;
            int badLeft = bad - b;
            plan[i] = random.nextInt(validLeft + badLeft) < badLeft ? -1 - b++ : v++;
        }
    }

    int size() {
        return plan.length;
    }

    static Kind kindOf(int bad) {
        return Kind.values()[bad % Kind.values().length];
    }

    @Override
    public String map(Long index) {
        int entry = plan[(int) (long) index];
        return entry >= 0 ? valid.get(entry) : bad(-1 - entry);
    }

    /** Bad record number {@code b}. */
    String bad(int b) {
        SplittableRandom random = new SplittableRandom(seed * 31 + b);
        long user = 1 + b % 60;
        long item = 1 + b % 120;
        long ts = Scenario.START + 37L * b;
        String head = "{\"user\":" + user + ",\"item\":" + item;
        String event = head + ",\"type\":\"click\",\"ts\":" + ts + "}";
        int variant = b / Kind.values().length;
        switch (kindOf(b)) {
            case INVALID_JSON:
                return pick(
                        variant,
                        head + ",\"type\":\"view\",\"ts\":" + ts,
                        "not json at all #" + b,
                        "[" + event + "]",
                        "\"" + b + "\"",
                        event + " trailing",
                        "{user:" + user + ",item:" + item + "}",
                        head + ",,\"ts\":" + ts + "}",
                        "{\"user\":" + user + ",\"item\":" + item + ",\"type\":\"view\",\"ts\":" + ts + ",}");
            case WRONG_TYPE:
                return pick(
                        variant,
                        "{\"user\":\"u" + user + "\",\"item\":" + item + ",\"type\":\"view\",\"ts\":" + ts + "}",
                        head.replace("\"item\":" + item, "\"item\":" + item + ".5") + ",\"type\":\"view\",\"ts\":" + ts
                                + "}",
                        head + ",\"type\":7,\"ts\":" + ts + "}",
                        head + ",\"type\":\"view\",\"ts\":true}",
                        head + ",\"type\":\"click\",\"value\":\"high\",\"ts\":" + ts + "}",
                        "{\"user\":{\"id\":" + user + "},\"item\":" + item + ",\"type\":\"view\",\"ts\":" + ts + "}",
                        head + ",\"type\":\"view\",\"ts\":" + ts + ".5}",
                        "{\"user\":99999999999999999999999,\"item\":" + item + ",\"type\":\"view\",\"ts\":" + ts + "}",
                        head + ",\"type\":[\"view\"],\"ts\":" + ts + "}");
            case HUGE_PAYLOAD: {
                // Mostly just over the limit; every 25th of them several megabytes.
                int size = variant % 25 == 0 ? (2 + variant % 3) * 1024 * 1024 : 65 * 1024 + random.nextInt(150 * 1024);
                StringBuilder pad = new StringBuilder(size + 100)
                        .append(head)
                        .append(",\"type\":\"view\",\"ts\":")
                        .append(ts)
                        .append(",\"pad\":\"");
                while (pad.length() < size) {
                    pad.append((char) ('a' + random.nextInt(26)));
                }
                return pad.append("\"}").toString();
            }
            case NAN_OR_NEGATIVE:
                return pick(
                        variant,
                        head + ",\"type\":\"rating\",\"value\":NaN,\"ts\":" + ts + "}",
                        head + ",\"type\":\"click\",\"value\":-1,\"ts\":" + ts + "}",
                        head + ",\"type\":\"rating\",\"value\":-0.5,\"ts\":" + ts + "}",
                        head + ",\"type\":\"rating\",\"value\":11,\"ts\":" + ts + "}",
                        head + ",\"type\":\"rating\",\"value\":Infinity,\"ts\":" + ts + "}",
                        "{\"user\":-" + user + ",\"item\":" + item + ",\"type\":\"view\",\"ts\":" + ts + "}",
                        "{\"user\":" + user + ",\"item\":-" + item + ",\"type\":\"view\",\"ts\":" + ts + "}",
                        head + ",\"type\":\"purchase\",\"value\":1e12,\"ts\":" + ts + "}",
                        head + ",\"type\":\"rating\",\"value\":\"NaN\",\"ts\":" + ts + "}",
                        head + ",\"type\":\"rating\",\"ts\":" + ts + "}");
            case UNKNOWN_TYPE:
                return head + ",\"type\":\""
                        + pick(
                                variant,
                                "teleport",
                                "",
                                "like",
                                "purchase!",
                                "view\\u0000",
                                "add to cart",
                                "VIEWS",
                                "rating-" + b)
                        + "\",\"ts\":" + ts + "}";
            case FAR_TIMESTAMP:
                return head + ",\"type\":\"view\",\"ts\":"
                        + pick(
                                variant,
                                "0",
                                "-1",
                                "631151999999",
                                "\"1970-01-01T00:00:00Z\"",
                                "\"1899-12-31T23:59:59Z\"",
                                "4102444800000",
                                "9223372036854775807",
                                "\"2999-01-01T00:00:00Z\"",
                                "\"yesterday\"",
                                "\"2024-13-45T00:00:00Z\"",
                                "-9223372036854775808")
                        + "}";
            case DUPLICATE_FIELD:
                return pick(
                        variant,
                        "{\"user\":" + user + ",\"user\":" + (user + 1) + ",\"item\":" + item
                                + ",\"type\":\"view\",\"ts\":" + ts + "}",
                        head + ",\"type\":\"view\",\"ts\":" + ts + ",\"ts\":" + (ts + 1) + "}",
                        head + ",\"type\":\"view\",\"type\":\"purchase\",\"ts\":" + ts + "}",
                        head + ",\"item\":" + item + ",\"type\":\"view\",\"ts\":" + ts + "}");
            case CONTROL_CHARACTERS: {
                StringBuilder noise = new StringBuilder();
                for (int i = 0; i < 1 + random.nextInt(40); i++) {
                    noise.append((char) random.nextInt(32));
                }
                return pick(
                        variant,
                        noise + "#" + b,
                        event + "\u0000",
                        head + ",\"type\":\"vi\u0007ew\",\"ts\":" + ts + "}",
                        "\u001b[31m" + event + "\u001b[0m",
                        event.replace("\"type\"", "\"ty\u0000pe\""),
                        "\u0000".repeat(1 + b % 7),
                        "\uFEFF" + event,
                        event.substring(0, 10) + "\u0003" + event.substring(10));
            }
            case EMPTY:
            default:
                return pick(variant, "", " ", "\t", "\r\n", "   \t  ");
        }
    }

    /** Bad records the parser accepts (should be none), abbreviated, for a failure message. */
    List<String> acceptedBy(InteractionParser parser, int bad) {
        List<String> accepted = new ArrayList<>();
        for (int b = 0; b < bad; b++) {
            String record = bad(b);
            if (parser.parse(record, System.currentTimeMillis()).isValid()) {
                accepted.add(kindOf(b) + " " + (record.length() > 120 ? record.substring(0, 120) + "..." : record));
            }
        }
        return accepted;
    }

    private static String pick(int variant, String... choices) {
        return choices[variant % choices.length];
    }
}
