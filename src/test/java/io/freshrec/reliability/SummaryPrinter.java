package io.freshrec.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Starts the reliability suite with an empty summary and prints the table when it ends. Registered only on the
 * reliability profile's test class path (src/test/reliability/META-INF/services), so other runs are not affected.
 */
public final class SummaryPrinter implements TestExecutionListener {
    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        try {
            Files.deleteIfExists(Summary.FILE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        try {
            System.out.println("\nReliability summary (" + Summary.FILE + "):\n" + Summary.table());
        } catch (IOException e) {
            System.out.println("Reliability summary unreadable: " + e.getMessage());
        }
    }
}
