package io.freshrec.sources;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A file of records, one per line, read as bytes and streamed: each line's byte offset and length, and its text
 * decoded as UTF-8 with every malformed byte replaced by U+FFFD, so one bad byte makes one bad record (the parser
 * rejects it as {@code bad-encoding}) instead of failing the whole read. Lines end at '\n'; a '\r' before it is
 * dropped.
 */
public final class RecordFile {
    private RecordFile() {}

    /** One line: where its bytes start, how many there are (without the line end), and its text. */
    public interface LineVisitor {
        void line(long offset, int length, String text) throws IOException;
    }

    /** Reads {@code file} once, front to back, handing every line to {@code visitor}. */
    public static void scan(Path file, LineVisitor visitor) throws IOException {
        CharsetDecoder decoder = decoder();
        byte[] line = new byte[256];
        int length = 0;
        long offset = 0;
        long position = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            byte[] chunk = new byte[1 << 16];
            int read;
            while ((read = in.read(chunk)) > 0) {
                for (int i = 0; i < read; i++) {
                    byte b = chunk[i];
                    position++;
                    if (b == '\n') {
                        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
                        visitor.line(offset, end, decode(decoder, line, 0, end));
                        length = 0;
                        offset = position;
                    } else {
                        if (length == line.length) {
                            line = Arrays.copyOf(line, length * 2);
                        }
                        line[length++] = b;
                    }
                }
            }
        }
        if (length > 0) {
            int end = line[length - 1] == '\r' ? length - 1 : length;
            visitor.line(offset, end, decode(decoder, line, 0, end));
        }
    }

    /** UTF-8 with malformed input and unmappable characters replaced by U+FFFD. */
    static CharsetDecoder decoder() {
        return StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
    }

    static String decode(CharsetDecoder decoder, byte[] bytes, int offset, int length) {
        try {
            CharBuffer chars = decoder.reset().decode(ByteBuffer.wrap(bytes, offset, length));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder reported " + e, e); // REPLACE never throws
        }
    }
}
