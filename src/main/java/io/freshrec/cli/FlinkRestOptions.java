package io.freshrec.cli;

import io.freshrec.rest.FlinkRest;
import java.net.URI;
import picocli.CommandLine.Option;

/** The Flink REST API of the embedded run or the cluster; shared by submit and, through RunningJobOptions, every command acting on the running job. */
final class FlinkRestOptions {
    @Option(
            names = "--flink-rest",
            defaultValue = "http://localhost:8081",
            paramLabel = "URL",
            description = "Flink REST API of the embedded run or the cluster. Default: ${DEFAULT-VALUE}.")
    URI rest;

    FlinkRest flink() {
        return new FlinkRest(rest);
    }
}
