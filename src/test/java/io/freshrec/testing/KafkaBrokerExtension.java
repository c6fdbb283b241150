package io.freshrec.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link KafkaBroker} in this JVM for the tests of one class: started before them (before the class's own
 * {@code @BeforeAll} methods, which may create topics on it), closed after them. Register as a static field with
 * {@code @RegisterExtension}.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {
    private KafkaBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        broker = KafkaBroker.start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /** The running broker. */
    public KafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("the broker runs only while the class's tests do");
        }
        return broker;
    }
}
