package io.freshrec.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.events.DeadLetter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import org.apache.flink.api.common.serialization.Encoder;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * The embedded default dead-letter output: JSON lines {reason, payload, rejectedAt} in files that roll on every
 * checkpoint and savepoint. A savepoint then holds no half-written file, only finished ones to commit (again, which
 * is a no-op when done): a model version can be restored any number of times, also after later jobs moved on (a
 * rollback), where a savepoint naming an in-progress file that a later job finished could never restore.
 */
public final class DeadLetterFiles {
    private DeadLetterFiles() {}

    /** {@code location}: a local directory or a file-system URI (e.g. s3://bucket/dead-letters). */
    public static FileSink<DeadLetter> sink(String location) {
        return location.contains("://")
                ? FileSink.forRowFormat(new org.apache.flink.core.fs.Path(location), new JsonLines())
                        .withRollingPolicy(OnCheckpointRollingPolicy.build())
                        .build()
                : sink(Path.of(location));
    }

    public static FileSink<DeadLetter> sink(Path directory) {
        return FileSink.forRowFormat(
                        new org.apache.flink.core.fs.Path(
                                directory.toAbsolutePath().toUri()),
                        new JsonLines())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .build();
    }

    /** One JSON object per line. */
    static final class JsonLines implements Encoder<DeadLetter> {
        private static final long serialVersionUID = 1L;
        private static final ObjectMapper JSON = new ObjectMapper();

        @Override
        public void encode(DeadLetter letter, OutputStream stream) throws IOException {
            stream.write(JSON.writeValueAsBytes(letter));
            stream.write('\n');
        }
    }
}
