package io.freshrec.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * A job jar for REST submission in tests: FreshRec's compiled classes (the shaded jar is built only after
 * the tests). Its dependencies (Flink, picocli, Jackson) come from the cluster's classpath, as on a real
 * cluster where Flink is provided.
 */
public final class JobJar {
    private JobJar() {}

    public static Path build(Path directory) throws IOException {
        Path classes = Path.of("target/classes");
        Path jar = directory.resolve("freshrec-job.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "io.freshrec.cli.FreshRecJobMain");
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file, manifest);
                Stream<Path> walk = Files.walk(classes)) {
            List<Path> files = walk.filter(Files::isRegularFile).sorted().toList();
            for (Path path : files) {
                out.putNextEntry(
                        new JarEntry(classes.relativize(path).toString().replace('\\', '/')));
                Files.copy(path, out);
                out.closeEntry();
            }
        }
        return jar;
    }
}
