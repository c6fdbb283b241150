package io.freshrec.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.freshrec.cli.FreshRecCli;
import io.freshrec.cli.FreshRecJobMain;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.ops.GrafanaDashboard;
import io.freshrec.ops.Secrets;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.QueryableStateOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.contrib.streaming.state.RocksDBOptions;
import org.apache.flink.kubernetes.configuration.KubernetesConfigOptions;
import org.apache.flink.kubernetes.kubeclient.decorators.ExternalServiceDecorator;
import org.apache.flink.kubernetes.operator.api.CrdConstants;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkDeploymentSpec;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobState;
import org.apache.flink.kubernetes.operator.api.spec.KubernetesDeploymentMode;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.apache.flink.kubernetes.utils.Constants;
import org.apache.flink.kubernetes.utils.KubernetesUtils;
import org.apache.flink.runtime.jobmanager.HighAvailabilityMode;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The Kubernetes deployment in {@code k8s/}: every manifest parses strictly into the Flink Kubernetes
 * Operator's (1.10) and fabric8's API classes, and carries the settings the job relies on. Labels,
 * service names and defaults are taken from Flink's own native-Kubernetes code, not restated here.
 * Nothing here deploys anything: there is no cluster in the build.
 */
class KubernetesManifestsTest {
    private static final Path K8S = Path.of("k8s");
    private static final String FLINK_VERSION = EnvironmentInformation.getVersion();

    private static List<Manifests.Document> documents;
    private static FlinkDeployment deployment;
    private static Service service;
    private static NetworkPolicy taskManagerPolicy;
    private static NetworkPolicy jobManagerPolicy;
    private static NetworkPolicy gatewayPolicy;
    private static Deployment gateway;
    private static Service gatewayService;
    private static PersistentVolumeClaim claim;
    private static Configuration clusterConf;

    @BeforeAll
    static void parseManifests() throws IOException {
        documents = Manifests.documents(K8S);
        List<HasMetadata> parsed = new ArrayList<>();
        for (Manifests.Document document : documents) {
            try {
                parsed.add(Manifests.parse(document.tree()));
            } catch (Exception e) {
                throw new AssertionError(document.file() + ": " + e.getMessage(), e);
            }
        }
        deployment = only(parsed, FlinkDeployment.class);
        service = named(parsed, Service.class, "freshrec-queryable-state");
        gatewayService = named(parsed, Service.class, "freshrec-gateway");
        gateway = only(parsed, Deployment.class);
        List<NetworkPolicy> policies = parsed.stream()
                .filter(NetworkPolicy.class::isInstance)
                .map(NetworkPolicy.class::cast)
                .toList();
        assertThat(policies).as("NetworkPolicy manifests in k8s/").hasSize(3);
        taskManagerPolicy = selecting(policies, KubernetesUtils.getTaskManagerSelectors(clusterId()));
        jobManagerPolicy = selecting(policies, KubernetesUtils.getJobManagerSelectors(clusterId()));
        gatewayPolicy = named(parsed, NetworkPolicy.class, "freshrec-gateway");
        claim = only(parsed, PersistentVolumeClaim.class);
        clusterConf = Configuration.fromMap(deployment.getSpec().getFlinkConfiguration());
    }

    /** The policy whose pod selector is exactly {@code labels}. */
    private static NetworkPolicy selecting(List<NetworkPolicy> policies, Map<String, String> labels) {
        List<NetworkPolicy> found = policies.stream()
                .filter(policy ->
                        labels.equals(policy.getSpec().getPodSelector().getMatchLabels()))
                .toList();
        assertThat(found).as("NetworkPolicy selecting %s", labels).hasSize(1);
        assertThat(found.get(0).getSpec().getPodSelector().getMatchExpressions())
                .isNullOrEmpty();
        assertThat(found.get(0).getSpec().getPolicyTypes()).containsExactly("Ingress");
        return found.get(0);
    }

    private static <T extends HasMetadata> T named(List<HasMetadata> parsed, Class<T> type, String name) {
        List<T> found = parsed.stream()
                .filter(type::isInstance)
                .map(type::cast)
                .filter(resource -> name.equals(resource.getMetadata().getName()))
                .toList();
        assertThat(found).as("%s %s in k8s/", type.getSimpleName(), name).hasSize(1);
        return found.get(0);
    }

    private static <T extends HasMetadata> T only(List<HasMetadata> parsed, Class<T> type) {
        List<T> ofType =
                parsed.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(ofType).as("%s manifests in k8s/", type.getSimpleName()).hasSize(1);
        return ofType.get(0);
    }

    private static String clusterId() {
        // The operator names the Flink cluster (kubernetes.cluster-id) after the FlinkDeployment.
        return deployment.getMetadata().getName();
    }

    @Test
    void everyManifestIsOneOfTheDeployedKindsWithAUniqueName() {
        assertThat(documents).hasSize(8);
        Set<String> names = new LinkedHashSet<>();
        for (Manifests.Document document : documents) {
            String name = document.tree().path("metadata").path("name").asText();
            assertThat(name).as("metadata.name in %s", document.file()).isNotBlank();
            assertThat(names.add(document.tree().path("kind").asText() + "/" + name))
                    .isTrue();
            // Namespace-free: the resources go where the operator's Helm chart created the flink service account.
            assertThat(document.tree().path("metadata").has("namespace")).isFalse();
        }
    }

    @Test
    void deploymentRunsTheJobJarInApplicationModeOnFlink120() {
        FlinkDeploymentSpec spec = deployment.getSpec();
        assertThat(spec.getImage()).isEqualTo("freshrec:0.1.0");
        assertThat(spec.getFlinkVersion()).isEqualTo(FlinkVersion.v1_20);
        assertThat(FLINK_VERSION).startsWith("1.20.");
        assertThat(spec.getMode()).isIn(null, KubernetesDeploymentMode.NATIVE);
        assertThat(spec.getServiceAccount()).isEqualTo("flink");

        JobSpec job = spec.getJob();
        assertThat(job).as("a job spec makes it an application cluster").isNotNull();
        assertThat(job.getJarURI()).isEqualTo("local:///opt/flink/usrlib/freshrec.jar");
        assertThat(job.getEntryClass()).isEqualTo(FreshRecJobMain.class.getName());
        assertThat(job.getState()).isEqualTo(JobState.RUNNING);
        assertThat(job.getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
        assertThat(job.getAllowNonRestoredState()).isFalse();
        assertThat(job.getParallelism()).isBetween(1, clusterConf.get(PipelineOptions.MAX_PARALLELISM));
    }

    @Test
    void jobArgumentsAreAcceptedByTheEntryClass() {
        FreshRecJobMain main = new FreshRecJobMain();
        CommandLine.ParseResult result =
                new CommandLine(main).parseArgs(deployment.getSpec().getJob().getArgs());
        assertThat(result.unmatched()).isEmpty();
        // The settings above reach the job through the conf directory the operator mounts into the pods.
        assertThat(result.matchedOptionValue("--flink-conf", (Path) null))
                .isEqualTo(Path.of(KubernetesConfigOptions.FLINK_CONF_DIR.defaultValue()));
        assertThat(result.matchedOptionValue("--dead-letters", "")).startsWith("file://" + mountPath() + "/");
    }

    @Test
    void checkpointsSavepointsAndHaMetadataLiveOnTheSharedVolume() {
        String root = "file://" + mountPath() + "/";
        assertThat(clusterConf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).startsWith(root);
        assertThat(clusterConf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY)).startsWith(root);
        assertThat(clusterConf.get(HighAvailabilityOptions.HA_STORAGE_PATH)).startsWith(root);
        // Operator 1.10 is built on Flink 1.19 and validates these two keys by their 1.19 names
        // (Flink 1.20 reads them as deprecated keys, as the assertions above show).
        assertThat(deployment.getSpec().getFlinkConfiguration())
                .containsKeys("state.checkpoints.dir", "state.savepoints.dir");
        assertThat(HighAvailabilityMode.fromConfig(clusterConf)).isEqualTo(HighAvailabilityMode.KUBERNETES);
        // JobManager and TaskManagers all write there.
        assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
    }

    /**
     * In the pods, the operator's settings arrive as a file in the conf directory: the legacy
     * {@code flink-conf.yaml} ("key: value" lines, what operator 1.10 with its Flink 1.19 libraries writes) or
     * a standard-YAML {@code config.yaml}. Either way the entry class, started with the manifest's own
     * arguments, must end up with the manifest's FreshRec settings.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"flink-conf.yaml", "config.yaml"})
    void entryClassReadsTheDeploymentsSettingsFromTheConfDirectory(String fileName, @TempDir Path confDir)
            throws Exception {
        Map<String, String> settings = deployment.getSpec().getFlinkConfiguration();
        if (fileName.equals(GlobalConfiguration.FLINK_CONF_FILENAME)) {
            Manifests.STRICT.writeValue(confDir.resolve(fileName).toFile(), settings);
        } else {
            List<String> lines = new ArrayList<>();
            settings.forEach((key, value) -> lines.add(key + ": " + value));
            Files.write(confDir.resolve(fileName), lines, StandardCharsets.UTF_8);
        }
        List<String> args =
                new ArrayList<>(List.of(deployment.getSpec().getJob().getArgs()));
        args.set(args.indexOf("--flink-conf") + 1, confDir.toString());
        FreshRecJobMain main = new FreshRecJobMain();
        new CommandLine(main).parseArgs(args.toArray(String[]::new));
        // What call() builds the job from (private: the class's only job is to run the job).
        Method settingsOfMain = FreshRecJobMain.class.getDeclaredMethod("settings");
        settingsOfMain.setAccessible(true);
        Configuration seenByJob = (Configuration) settingsOfMain.invoke(main);

        for (ConfigOption<?> option : freshrecOptions().values()) {
            assertThat((Object) seenByJob.get(option)).as(option.key()).isEqualTo(clusterConf.get(option));
        }
        FreshRecOptions.modelConfig(seenByJob);
        assertThat(seenByJob.get(PipelineOptions.GENERIC_TYPES)).isFalse();
        assertThat(seenByJob.get(PipelineOptions.MAX_PARALLELISM))
                .isEqualTo(clusterConf.get(PipelineOptions.MAX_PARALLELISM));
    }

    /** Where the pod template mounts the PersistentVolumeClaim into Flink's main container. */
    private static String mountPath() {
        var podSpec = deployment.getSpec().getPodTemplate().getSpec();
        Volume volume = podSpec.getVolumes().stream()
                .filter(v -> v.getPersistentVolumeClaim() != null
                        && v.getPersistentVolumeClaim()
                                .getClaimName()
                                .equals(claim.getMetadata().getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(
                        "no volume from the PVC " + claim.getMetadata().getName()));
        var main = podSpec.getContainers().stream()
                .filter(c -> c.getName().equals(Constants.MAIN_CONTAINER_NAME))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + Constants.MAIN_CONTAINER_NAME + " in the pod template"));
        List<String> paths = main.getVolumeMounts().stream()
                .filter(m -> m.getName().equals(volume.getName()))
                .map(VolumeMount::getMountPath)
                .toList();
        assertThat(paths).hasSize(1);
        assertThat(paths.get(0)).startsWith("/").doesNotEndWith("/");
        return paths.get(0);
    }

    @Test
    void operatorTakesPeriodicSavepointsAndKeepsABoundedHistory() {
        // The operator's own options (KubernetesOperatorConfigOptions, in the operator jar, not its API jar):
        // the interval is a string it reads as a Duration or else as a cron expression.
        Duration interval = ConfigurationUtils.convertValue(
                clusterConf.get(ConfigOptions.key("kubernetes.operator.periodic.savepoint.interval")
                        .stringType()
                        .noDefaultValue()),
                Duration.class);
        Duration maxAge = clusterConf.get(ConfigOptions.key("kubernetes.operator.savepoint.history.max.age")
                .durationType()
                .noDefaultValue());
        Integer maxCount = clusterConf.get(ConfigOptions.key("kubernetes.operator.savepoint.history.max.count")
                .intType()
                .noDefaultValue());
        Boolean disposeOnDelete = clusterConf.get(ConfigOptions.key("kubernetes.operator.savepoint.dispose-on-delete")
                .booleanType()
                .noDefaultValue());
        assertThat(interval).isPositive();
        assertThat(maxCount).isGreaterThan(1);
        // Otherwise the history would never hold more than the newest savepoint.
        assertThat(maxAge).isGreaterThan(interval);
        // Savepoints dropped from the history leave the volume too, so it does not fill up.
        assertThat(disposeOnDelete).isTrue();
    }

    /** Settings whose cluster value must be the embedded run's (flink-conf/config.yaml). */
    private static final List<ConfigOption<?>> SHARED_FLINK_OPTIONS = List.of(
            StateBackendOptions.STATE_BACKEND,
            CheckpointingOptions.INCREMENTAL_CHECKPOINTS,
            RocksDBOptions.TIMER_SERVICE_FACTORY,
            TaskManagerOptions.MANAGED_MEMORY_SIZE,
            TaskManagerOptions.NUM_TASK_SLOTS,
            PipelineOptions.MAX_PARALLELISM,
            PipelineOptions.GENERIC_TYPES,
            PipelineOptions.AUTO_WATERMARK_INTERVAL,
            CheckpointingOptions.MAX_RETAINED_CHECKPOINTS,
            CheckpointingOptions.CHECKPOINTING_INTERVAL,
            CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS,
            CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
            CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
            CheckpointingOptions.ENABLE_UNALIGNED,
            TaskManagerOptions.BUFFER_DEBLOAT_ENABLED,
            QueryableStateOptions.ENABLE_QUERYABLE_STATE_PROXY_SERVER,
            QueryableStateOptions.PROXY_PORT_RANGE,
            QueryableStateOptions.SERVER_PORT_RANGE);

    @Test
    void clusterSettingsAreTheEmbeddedRunsSettings() throws Exception {
        Configuration embedded = GlobalConfiguration.loadConfiguration(
                Path.of("flink-conf").toAbsolutePath().toString());
        for (ConfigOption<?> option : SHARED_FLINK_OPTIONS) {
            assertThat(clusterConf.contains(option))
                    .as("%s set in the FlinkDeployment", option.key())
                    .isTrue();
            assertThat((Object) clusterConf.get(option)).as(option.key()).isEqualTo(embedded.get(option));
        }
        // The same metrics: a Prometheus reporter (Flink's own in the pods, where Prometheus scrapes the pod address
        // behind the NetworkPolicies; locally FreshRec's, the same reporter bound to loopback) and RocksDB's
        // state-size estimates.
        assertThat(clusterConf.toMap())
                .containsEntry(
                        "metrics.reporter.prom.factory.class",
                        org.apache.flink.metrics.prometheus.PrometheusReporterFactory.class.getName());
        assertThat(embedded.toMap())
                .containsEntry(
                        "metrics.reporter.prom.factory.class",
                        io.freshrec.ops.metrics.BoundPrometheusReporterFactory.class.getName())
                .containsEntry("metrics.reporter.prom.host", "127.0.0.1");
        for (String key : List.of(
                "state.backend.rocksdb.metrics.estimate-live-data-size",
                "state.backend.rocksdb.metrics.estimate-num-keys",
                "state.backend.rocksdb.metrics.total-sst-files-size")) {
            assertThat(clusterConf.toMap())
                    .as(key)
                    .containsEntry(key, embedded.toMap().get(key));
        }
        // An application cluster's REST API takes no jars: the job is in the image.
        assertThat(clusterConf.get(org.apache.flink.configuration.WebOptions.SUBMIT_ENABLE))
                .isFalse();
        // The settings the job's state and lookups depend on, spelled out.
        assertThat(clusterConf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(clusterConf.get(QueryableStateOptions.ENABLE_QUERYABLE_STATE_PROXY_SERVER))
                .isTrue();
        assertThat(clusterConf.get(PipelineOptions.GENERIC_TYPES)).isFalse();
        assertThat(clusterConf.get(PipelineOptions.MAX_PARALLELISM)).isEqualTo(128);
        assertThat(clusterConf.get(TaskManagerOptions.MANAGED_MEMORY_SIZE).getMebiBytes())
                .isGreaterThanOrEqualTo(1024);

        // FreshRec's own settings: every option the embedded run sets has the same value on the cluster,
        // the cluster sets no freshrec.* key the job does not know, and the values parse.
        Map<String, ConfigOption<?>> freshrecOptions = freshrecOptions();
        for (ConfigOption<?> option : freshrecOptions.values()) {
            if (embedded.contains(option)) {
                assertThat(clusterConf.contains(option))
                        .as("%s set in the FlinkDeployment", option.key())
                        .isTrue();
            }
            assertThat((Object) clusterConf.get(option)).as(option.key()).isEqualTo(embedded.get(option));
        }
        for (String key : deployment.getSpec().getFlinkConfiguration().keySet()) {
            if (key.startsWith("freshrec.")) {
                assertThat(freshrecOptions).as("known FreshRec setting").containsKey(key);
            }
        }
        FreshRecOptions.modelConfig(clusterConf);
    }

    private static Map<String, ConfigOption<?>> freshrecOptions() throws IllegalAccessException {
        Map<String, ConfigOption<?>> options = new HashMap<>();
        for (Field field : FreshRecOptions.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == ConfigOption.class) {
                ConfigOption<?> option = (ConfigOption<?>) field.get(null);
                options.put(option.key(), option);
            }
        }
        for (ConfigOption<Double> option : FreshRecOptions.WEIGHTS.values()) {
            options.put(option.key(), option);
        }
        assertThat(options).isNotEmpty();
        return options;
    }

    @Test
    void queryableStateServiceTargetsTheProxyPortOfTheTaskManagers() {
        assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(service.getSpec().getSelector()).isEqualTo(KubernetesUtils.getTaskManagerSelectors(clusterId()));
        assertThat(service.getSpec().getPorts()).hasSize(1);
        ServicePort port = service.getSpec().getPorts().get(0);
        assertThat(port.getProtocol()).isEqualTo("TCP");
        assertThat(port.getTargetPort().getIntVal()).isEqualTo(proxyPort());
        assertThat(port.getPort()).isEqualTo(proxyPort());
    }

    /** One fixed port (a range would make the Service's target port a guess). */
    private static int proxyPort() {
        return Integer.parseInt(clusterConf.get(QueryableStateOptions.PROXY_PORT_RANGE));
    }

    /** The namespace the manifests are applied to (they name none), and the one Prometheus runs in. */
    private static final String HERE = "default";

    private static final String MONITORING = "monitoring";

    @Test
    void networkPolicyCoversTheTaskManagersAndAdmitsOnlyLookupClientsToTheProxy() {
        Map<String, String> jobManager = KubernetesUtils.getJobManagerSelectors(clusterId());
        Map<String, String> taskManager = KubernetesUtils.getTaskManagerSelectors(clusterId());
        Map<String, String> client = Map.of("freshrec-client", "true", "app", "dashboard");
        Map<String, String> stranger = Map.of("app", "dashboard");
        Map<String, String> otherFlinkCluster = KubernetesUtils.getTaskManagerSelectors("other-job");
        Map<String, String> prometheus = Map.of("app.kubernetes.io/name", "prometheus");
        int stateServerPort = Integer.parseInt(clusterConf.get(QueryableStateOptions.SERVER_PORT_RANGE));
        int taskManagerRpc = Constants.TASK_MANAGER_RPC_PORT;

        // Flink's own traffic into the TaskManagers is untouched.
        assertThat(admits(taskManagerPolicy, HERE, jobManager, taskManagerRpc)).isTrue();
        assertThat(admits(taskManagerPolicy, HERE, taskManager, taskManagerRpc)).isTrue();
        assertThat(admits(taskManagerPolicy, HERE, taskManager, stateServerPort))
                .isTrue();
        // Lookup clients reach the proxy and nothing else; everybody else reaches nothing.
        assertThat(admits(taskManagerPolicy, HERE, client, proxyPort())).isTrue();
        assertThat(admits(taskManagerPolicy, HERE, client, stateServerPort)).isFalse();
        assertThat(admits(taskManagerPolicy, HERE, client, taskManagerRpc)).isFalse();
        assertThat(admits(taskManagerPolicy, HERE, stranger, proxyPort())).isFalse();
        assertThat(admits(taskManagerPolicy, HERE, otherFlinkCluster, proxyPort()))
                .isFalse();
        // A labelled pod of another namespace is no client; Prometheus scrapes the metrics port and only that.
        assertThat(admits(taskManagerPolicy, "elsewhere", client, proxyPort())).isFalse();
        assertThat(admits(taskManagerPolicy, MONITORING, prometheus, metricsPort()))
                .isTrue();
        assertThat(admits(taskManagerPolicy, MONITORING, prometheus, proxyPort()))
                .isFalse();
        assertThat(admits(taskManagerPolicy, HERE, stranger, metricsPort())).isFalse();
    }

    @Test
    void jobManagerPolicyAdmitsFlinkTheOperatorAndLookupClientsToRestAndPrometheusToMetricsOnly() {
        Map<String, String> taskManager = KubernetesUtils.getTaskManagerSelectors(clusterId());
        Map<String, String> operator = Map.of("app.kubernetes.io/name", "flink-kubernetes-operator");
        Map<String, String> client = Map.of("freshrec-client", "true");
        Map<String, String> stranger = Map.of("app", "dashboard");
        Map<String, String> otherFlinkCluster = KubernetesUtils.getTaskManagerSelectors("other-job");
        Map<String, String> prometheus = Map.of("app.kubernetes.io/name", "prometheus");
        int rest = Constants.REST_PORT;
        int rpc = JobManagerOptions.PORT.defaultValue();
        int blob = Constants.BLOB_SERVER_PORT;

        assertThat(admits(jobManagerPolicy, HERE, taskManager, rpc)).isTrue();
        assertThat(admits(jobManagerPolicy, HERE, taskManager, blob)).isTrue();
        assertThat(admits(jobManagerPolicy, HERE, operator, rest)).isTrue();
        assertThat(admits(jobManagerPolicy, HERE, client, rest)).isTrue();
        // REST only: neither the operator nor a client reaches RPC or the blob server.
        for (Map<String, String> restOnly : List.of(operator, client)) {
            assertThat(admits(jobManagerPolicy, HERE, restOnly, rpc)).isFalse();
            assertThat(admits(jobManagerPolicy, HERE, restOnly, blob)).isFalse();
            assertThat(admits(jobManagerPolicy, HERE, restOnly, metricsPort())).isFalse();
        }
        // Every other pod, here or in another namespace, reaches nothing; Prometheus only the metrics port.
        for (int port : List.of(rest, rpc, blob, metricsPort())) {
            assertThat(admits(jobManagerPolicy, HERE, stranger, port)).isFalse();
            assertThat(admits(jobManagerPolicy, HERE, otherFlinkCluster, port)).isFalse();
            assertThat(admits(jobManagerPolicy, "elsewhere", client, port)).isFalse();
            assertThat(admits(jobManagerPolicy, "elsewhere", operator, port)).isFalse();
        }
        assertThat(admits(jobManagerPolicy, MONITORING, prometheus, metricsPort()))
                .isTrue();
        assertThat(admits(jobManagerPolicy, MONITORING, prometheus, rest)).isFalse();
        // The ports the policy names are the deployment's own.
        assertThat(clusterConf.getString("metrics.reporter.prom.port", null))
                .isEqualTo(Integer.toString(metricsPort()));
    }

    /**
     * {@code k8s/grafana/}: a kustomization that turns the dashboard file into a ConfigMap for Grafana's dashboard
     * sidecar ({@code kubectl apply -k k8s/grafana}), in the namespace the NetworkPolicies admit Prometheus from. The
     * ConfigMap is built here as kustomize builds it, from the file itself, so the two cannot drift apart.
     */
    @Test
    void grafanaDashboardIsAConfigMapForGrafanasSidecarBuiltFromTheDashboardFile() throws IOException {
        Path directory = GrafanaDashboard.PATH.getParent();
        JsonNode kustomization = Manifests.STRICT.readTree(
                directory.resolve("kustomization.yaml").toFile());
        assertThat(kustomization.path("apiVersion").asText()).isEqualTo("kustomize.config.k8s.io/v1beta1");
        assertThat(kustomization.path("kind").asText()).isEqualTo("Kustomization");
        assertThat(kustomization.path("namespace").asText()).isEqualTo(MONITORING);
        assertThat(kustomization.path("configMapGenerator")).hasSize(1);
        JsonNode generator = kustomization.path("configMapGenerator").get(0);
        assertThat(generator.path("files"))
                .singleElement()
                .extracting(JsonNode::asText)
                .isEqualTo(GrafanaDashboard.PATH.getFileName().toString());
        // The file's name is the ConfigMap key: fixed names, so a changed dashboard replaces the old one.
        assertThat(generator.path("options").path("disableNameSuffixHash").asBoolean())
                .isTrue();
        Map<String, String> labels = new HashMap<>();
        generator
                .path("options")
                .path("labels")
                .fields()
                .forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
        // The label the grafana Helm chart's sidecar (and kube-prometheus-stack's) looks for by default.
        assertThat(labels).containsExactly(Map.entry("grafana_dashboard", "1"));
        // kubectl apply -f k8s/ reads the top level only: the dashboard does not go to the job's namespace.
        assertThat(documents).noneMatch(d -> d.file().startsWith(directory));

        String key = GrafanaDashboard.PATH.getFileName().toString();
        ConfigMap configMap = new ConfigMapBuilder()
                .withNewMetadata()
                .withName(generator.path("name").asText())
                .withNamespace(kustomization.path("namespace").asText())
                .withLabels(labels)
                .endMetadata()
                .withData(Map.of(key, Files.readString(GrafanaDashboard.PATH, StandardCharsets.UTF_8)))
                .build();
        assertThat(configMap.getMetadata().getName())
                .hasSizeLessThanOrEqualTo(253)
                .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
        assertThat(key).matches("[-._a-zA-Z0-9]+");
        // Client-side kubectl apply keeps the whole object in an annotation, and annotations hold at most 256 KiB.
        byte[] lastApplied = new ObjectMapper().writeValueAsBytes(configMap);
        assertThat(lastApplied.length).isLessThan(256 * 1024);
        assertThat(GrafanaDashboard.read(GrafanaDashboard.PATH).structureProblems())
                .isEmpty();
    }

    @Test
    void gatewayRunsServeFromTheJobsImageWithItsTokensFromASecret() {
        PodSpec pod = gateway.getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers()).hasSize(1);
        Container container = pod.getContainers().get(0);
        assertThat(container.getImage()).isEqualTo(deployment.getSpec().getImage());
        List<String> command = container.getCommand();
        String jar = deployment.getSpec().getJob().getJarURI().substring("local://".length());
        int serve = command.indexOf("serve");
        assertThat(command.get(0)).isEqualTo("java");
        assertThat(command.subList(serve - 2, serve)).containsExactly("-jar", jar);
        // The arguments are the CLI's own.
        CommandLine.ParseResult sub = new CommandLine(new FreshRecCli())
                .parseArgs(command.subList(serve, command.size()).toArray(String[]::new))
                .subcommand();
        assertThat(sub.commandSpec().name()).isEqualTo("serve");
        assertThat(sub.matchedOptionValue("--bind", "")).isEqualTo("0.0.0.0");
        int port = sub.matchedOptionValue("--port", 0);
        assertThat(sub.matchedOptionValue("--proxy-host", ""))
                .isEqualTo(service.getMetadata().getName());
        assertThat(sub.matchedOptionValue("--proxy-port", 0)).isEqualTo(proxyPort());
        assertThat(sub.matchedOptionValue("--flink-rest", (URI) null))
                .isEqualTo(URI.create("http://" + ExternalServiceDecorator.getExternalServiceName(clusterId()) + ":"
                        + Constants.REST_PORT));
        // The token file is in a read-only mount of the Secret, not in the manifest.
        Path tokenFile = sub.matchedOptionValue("--token-file", (Path) null);
        VolumeMount mount = container.getVolumeMounts().stream()
                .filter(m -> tokenFile.startsWith(m.getMountPath()))
                .findFirst()
                .orElseThrow();
        assertThat(mount.getReadOnly()).isTrue();
        Volume volume = pod.getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName()))
                .findFirst()
                .orElseThrow();
        assertThat(volume.getSecret().getSecretName()).isEqualTo("freshrec-gateway-tokens");
        assertThat(container.getEnv()).isNullOrEmpty();
        // Probes on the gateway's own routes and port; the Service sends its port to the same.
        assertThat(container.getPorts().get(0).getContainerPort()).isEqualTo(port);
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(container.getReadinessProbe().getHttpGet().getPort().getIntVal())
                .isEqualTo(port);
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        Map<String, String> podLabels =
                gateway.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels.entrySet())
                .containsAll(gateway.getSpec().getSelector().getMatchLabels().entrySet());
        assertThat(podLabels.entrySet())
                .containsAll(gatewayService.getSpec().getSelector().entrySet());
        assertThat(gatewayService.getSpec().getPorts().get(0).getTargetPort().getIntVal())
                .isEqualTo(port);
        assertThat(container.getSecurityContext().getRunAsNonRoot()).isTrue();
    }

    @Test
    void gatewayReachesOnlyTheProxyRestAndDnsAndOnlyLabelledClientsReachIt() {
        Map<String, String> gatewayPod =
                gateway.getSpec().getTemplate().getMetadata().getLabels();
        int port = gatewayService.getSpec().getPorts().get(0).getPort();
        Map<String, String> client = Map.of("freshrec-gateway-client", "true", "app", "shop");
        Map<String, String> stranger = Map.of("app", "shop");
        Map<String, String> prometheus = Map.of("app.kubernetes.io/name", "prometheus");
        assertThat(gatewayPolicy.getSpec().getPodSelector().getMatchLabels().entrySet())
                .isSubsetOf(gatewayPod.entrySet());
        // In: labelled clients of this namespace and Prometheus, on the gateway's port only.
        assertThat(admits(gatewayPolicy, HERE, client, port)).isTrue();
        assertThat(admits(gatewayPolicy, HERE, client, port + 1)).isFalse();
        assertThat(admits(gatewayPolicy, HERE, stranger, port)).isFalse();
        assertThat(admits(gatewayPolicy, "elsewhere", client, port)).isFalse();
        assertThat(admits(gatewayPolicy, MONITORING, prometheus, port)).isTrue();
        // The job's policies let the gateway's pods reach the proxy and REST, and nothing else of theirs.
        assertThat(admits(taskManagerPolicy, HERE, gatewayPod, proxyPort())).isTrue();
        assertThat(admits(taskManagerPolicy, HERE, gatewayPod, Constants.TASK_MANAGER_RPC_PORT))
                .isFalse();
        assertThat(admits(jobManagerPolicy, HERE, gatewayPod, Constants.REST_PORT))
                .isTrue();
        assertThat(admits(jobManagerPolicy, HERE, gatewayPod, JobManagerOptions.PORT.defaultValue()))
                .isFalse();
        // Out: the proxy, REST and DNS; not the TaskManagers' RPC or the JobManager's blob server, not the world.
        Map<String, String> taskManager = KubernetesUtils.getTaskManagerSelectors(clusterId());
        Map<String, String> jobManager = KubernetesUtils.getJobManagerSelectors(clusterId());
        assertThat(gatewayPolicy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(sends(gatewayPolicy, HERE, taskManager, "TCP", proxyPort())).isTrue();
        assertThat(sends(gatewayPolicy, HERE, jobManager, "TCP", Constants.REST_PORT))
                .isTrue();
        assertThat(sends(gatewayPolicy, "kube-system", Map.of("k8s-app", "kube-dns"), "UDP", 53))
                .isTrue();
        assertThat(sends(gatewayPolicy, HERE, taskManager, "TCP", Constants.TASK_MANAGER_RPC_PORT))
                .isFalse();
        assertThat(sends(gatewayPolicy, HERE, jobManager, "TCP", Constants.BLOB_SERVER_PORT))
                .isFalse();
        assertThat(sends(gatewayPolicy, HERE, stranger, "TCP", 443)).isFalse();
        assertThat(sends(gatewayPolicy, "elsewhere", taskManager, "TCP", proxyPort()))
                .isFalse();
    }

    /** Whether {@code policy}'s egress rules let its pods send to a pod of {@code namespace} with {@code labels}. */
    private static boolean sends(
            NetworkPolicy policy, String namespace, Map<String, String> labels, String protocol, int port) {
        Map<String, String> namespaceLabels = Map.of("kubernetes.io/metadata.name", namespace);
        for (NetworkPolicyEgressRule rule : policy.getSpec().getEgress()) {
            assertThat(rule.getTo())
                    .as("an egress rule without 'to' allows every destination")
                    .isNotEmpty();
            boolean peerMatches = false;
            for (NetworkPolicyPeer peer : rule.getTo()) {
                assertThat(peer.getIpBlock()).isNull();
                boolean namespaceMatches = peer.getNamespaceSelector() == null
                        ? namespace.equals(HERE)
                        : !peer.getNamespaceSelector().getMatchLabels().isEmpty()
                                && namespaceLabels
                                        .entrySet()
                                        .containsAll(peer.getNamespaceSelector()
                                                .getMatchLabels()
                                                .entrySet());
                boolean podMatches = peer.getPodSelector() == null
                        || labels.entrySet()
                                .containsAll(
                                        peer.getPodSelector().getMatchLabels().entrySet());
                peerMatches |= namespaceMatches && podMatches;
            }
            assertThat(rule.getPorts())
                    .as("an egress rule without ports allows every port")
                    .isNotEmpty();
            boolean portMatches = rule.getPorts().stream()
                    .anyMatch(allowed -> protocol.equals(allowed.getProtocol())
                            && allowed.getPort().getIntVal() == port);
            if (peerMatches && portMatches) {
                return true;
            }
        }
        return false;
    }

    @Test
    void kafkaCredentialsComeFromASecretAndNoSettingHoldsASecretByValue() {
        FlinkDeploymentSpec spec = deployment.getSpec();
        spec.getFlinkConfiguration()
                .forEach((key, value) -> assertThat(!Secrets.isSensitive(key) || Secrets.isReference(value))
                        .as("%s holds a secret by value", key)
                        .isTrue());
        var container = spec.getPodTemplate().getSpec().getContainers().get(0);
        Map<String, io.fabric8.kubernetes.api.model.EnvVar> env = new HashMap<>();
        container.getEnv().forEach(variable -> env.put(variable.getName(), variable));
        assertThat(env).containsKeys("KAFKA_USERNAME", "KAFKA_PASSWORD");
        for (io.fabric8.kubernetes.api.model.EnvVar variable : container.getEnv()) {
            assertThat(variable.getValue())
                    .as("%s by value", variable.getName())
                    .isNull();
            var secret = variable.getValueFrom().getSecretKeyRef();
            assertThat(secret.getName()).isEqualTo("freshrec-kafka");
            // The built-in generator needs no Kafka: the deployment starts without the Secret.
            assertThat(secret.getOptional()).isTrue();
        }
    }

    private static int metricsPort() {
        return Integer.parseInt(clusterConf.getString("metrics.reporter.prom.port", "-1"));
    }

    /**
     * Whether {@code policy} admits TCP from a pod with these labels in {@code namespace} to this port of a
     * selected pod in {@link #HERE} (Kubernetes semantics: rules are OR-ed; within a rule, any peer and any port; an
     * empty list means all; a peer with only a pod selector means pods of the policy's namespace, with only a
     * namespace selector every pod of those namespaces, with both the pods of those namespaces it selects). Namespaces
     * carry their name as the label kubernetes.io/metadata.name, as Kubernetes sets it; IP blocks and match
     * expressions are rejected, as these policies should have none.
     */
    private static boolean admits(NetworkPolicy policy, String namespace, Map<String, String> sourceLabels, int port) {
        Map<String, String> namespaceLabels = Map.of("kubernetes.io/metadata.name", namespace);
        for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
            assertThat(rule.getFrom())
                    .as("a rule without 'from' admits every source")
                    .isNotEmpty();
            boolean peerMatches = false;
            for (NetworkPolicyPeer peer : rule.getFrom()) {
                assertThat(peer.getIpBlock()).isNull();
                boolean namespaceMatches;
                if (peer.getNamespaceSelector() == null) {
                    namespaceMatches = namespace.equals(HERE);
                } else {
                    assertThat(peer.getNamespaceSelector().getMatchExpressions())
                            .isNullOrEmpty();
                    assertThat(peer.getNamespaceSelector().getMatchLabels())
                            .as("a namespace selector without labels selects every namespace")
                            .isNotEmpty();
                    namespaceMatches = namespaceLabels
                            .entrySet()
                            .containsAll(
                                    peer.getNamespaceSelector().getMatchLabels().entrySet());
                }
                boolean podMatches = true;
                if (peer.getPodSelector() != null) {
                    assertThat(peer.getPodSelector().getMatchExpressions()).isNullOrEmpty();
                    podMatches = sourceLabels
                            .entrySet()
                            .containsAll(peer.getPodSelector().getMatchLabels().entrySet());
                }
                peerMatches |= namespaceMatches && podMatches;
            }
            boolean portMatches = rule.getPorts() == null || rule.getPorts().isEmpty();
            for (NetworkPolicyPort allowed : rule.getPorts() == null ? List.<NetworkPolicyPort>of() : rule.getPorts()) {
                assertThat(allowed.getEndPort()).isNull();
                portMatches |=
                        "TCP".equals(allowed.getProtocol()) && allowed.getPort().getIntVal() == port;
            }
            if (peerMatches && portMatches) {
                return true;
            }
        }
        return false;
    }

    @Test
    void dockerfileExtendsTheOfficialImageWithTheQueryableStateRuntimeAndTheJobJar() throws IOException {
        List<String> instructions = dockerInstructions(K8S.resolve("Dockerfile"));
        assertThat(instructions.stream().filter(i -> i.startsWith("FROM ")))
                .containsExactly("FROM flink:" + FLINK_VERSION + "-java17");
        String jar = deployment.getSpec().getJob().getJarURI().substring("local://".length());
        assertThat(instructions).contains("COPY --chown=flink:flink target/freshrec.jar " + jar);
        assertThat(instructions)
                .contains("RUN cp /opt/flink/opt/flink-queryable-state-runtime-" + FLINK_VERSION
                        + ".jar /opt/flink/lib/");
    }

    /** Dockerfile instructions with comments dropped and continuation lines joined. */
    private static List<String> dockerInstructions(Path dockerfile) throws IOException {
        List<String> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(dockerfile, StandardCharsets.UTF_8)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            boolean continued = trimmed.endsWith("\\");
            current.append(
                    continued ? trimmed.substring(0, trimmed.length() - 1).strip() + " " : trimmed);
            if (!continued) {
                instructions.add(current.toString().replaceAll("\\s+", " "));
                current.setLength(0);
            }
        }
        return instructions;
    }

    @Test
    void readmesNameOnlyFilesAndServicesThatExist() throws IOException {
        String k8sReadme = Files.readString(K8S.resolve("README.md"), StandardCharsets.UTF_8);
        String kubernetesDoc = Files.readString(Path.of("docs/cluster-and-kubernetes.md"), StandardCharsets.UTF_8);
        Pattern file = Pattern.compile("k8s/[A-Za-z0-9._-]+");
        Set<String> mentioned = new LinkedHashSet<>();
        for (String text : List.of(k8sReadme, kubernetesDoc)) {
            Matcher m = file.matcher(text);
            while (m.find()) {
                mentioned.add(m.group().replaceAll("[.]$", ""));
            }
        }
        assertThat(mentioned).isNotEmpty();
        for (String path : mentioned) {
            assertThat(Path.of(path))
                    .as("mentioned in k8s/README.md or docs/cluster-and-kubernetes.md")
                    .exists();
        }
        // The services the commands talk to: the operator's REST service for this cluster, and ours.
        for (String text : List.of(k8sReadme, kubernetesDoc)) {
            assertThat(text).contains("svc/" + ExternalServiceDecorator.getExternalServiceName(clusterId()));
            assertThat(text).containsPattern(Pattern.quote(service.getMetadata().getName()) + "(?![\\w-])");
            // The savepoint history is listed by the labels the operator puts on its snapshot resources.
            assertThat(text).contains(CrdConstants.LABEL_SNAPSHOT_JOB_REFERENCE_NAME + "=" + clusterId());
        }
    }

    @Test
    void readmeLookupCommandsAreValidFreshRecCommandsAgainstTheDeployedImage() throws IOException {
        String jar = deployment.getSpec().getJob().getJarURI().substring("local://".length());
        List<String> commands = new ArrayList<>();
        for (Path readme : List.of(K8S.resolve("README.md"), Path.of("docs/cluster-and-kubernetes.md"))) {
            String text = Files.readString(readme, StandardCharsets.UTF_8);
            // The client pods run the deployed image, where the CLI is the job jar itself.
            assertThat(text).contains("--image=" + deployment.getSpec().getImage() + " ");
            Matcher m = Pattern.compile("java -jar (\\S*freshrec\\.jar) ((?:recommend|similar) [^\\n`]*)")
                    .matcher(text);
            while (m.find()) {
                if (m.group(2).contains(service.getMetadata().getName())) {
                    assertThat(m.group(1)).isEqualTo(jar);
                    commands.add(m.group(2).strip());
                }
            }
        }
        assertThat(commands).hasSizeGreaterThanOrEqualTo(2);
        for (String command : commands) {
            CommandLine.ParseResult result = new CommandLine(new FreshRecCli()).parseArgs(command.split("\\s+"));
            CommandLine.ParseResult sub = result.subcommand();
            assertThat(sub).as(command).isNotNull();
            assertThat(sub.matchedOptionValue("--host", ""))
                    .isEqualTo(service.getMetadata().getName());
            assertThat(sub.matchedOptionValue("--port", proxyPort())).isEqualTo(proxyPort());
            assertThat(sub.matchedOptionValue("--flink-rest", (URI) null))
                    .isEqualTo(URI.create("http://" + ExternalServiceDecorator.getExternalServiceName(clusterId()) + ":"
                            + Constants.REST_PORT));
        }
    }

    /** Each mutation adds a field the API classes do not have, or a value of the wrong type. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "FlinkDeployment spec.jobManger",
                "FlinkDeployment spec.job.upgradeMod",
                "FlinkDeployment spec.podTemplate.spec.containers[0].volumeMount",
                "FlinkDeployment spec.flinkConfiguration unquoted number",
                "FlinkDeployment stauts",
                "Service spec.selecter",
                "NetworkPolicy spec.ingress[0].form",
                "PersistentVolumeClaim spec.resources.request"
            })
    void strictParsingRejectsUnknownFieldsAndWrongTypes(String name) throws IOException {
        String kind = name.substring(0, name.indexOf(' '));
        JsonNode tree = documents.stream()
                .map(Manifests.Document::tree)
                .filter(t -> t.path("kind").asText().equals(kind))
                .findFirst()
                .orElseThrow()
                .deepCopy();
        // The unmodified tree parses, so the failure below is the mutation's.
        Manifests.parse(tree);
        Mutation mutation = MUTATIONS.get(name);
        mutation.change().accept(tree);
        assertThatThrownBy(() -> Manifests.parse(tree))
                .as(name)
                .isInstanceOf(IOException.class)
                .hasMessageContaining(mutation.reported());
    }

    private record Mutation(Consumer<JsonNode> change, String reported) {}

    private static final Map<String, Mutation> MUTATIONS = Map.of(
            "FlinkDeployment spec.jobManger",
                    new Mutation(
                            t -> obj(t, "spec").set("jobManger", obj(t, "spec").get("jobManager")), "\"jobManger\""),
            "FlinkDeployment spec.job.upgradeMod",
                    new Mutation(t -> obj(t, "spec", "job").put("upgradeMod", "savepoint"), "\"upgradeMod\""),
            "FlinkDeployment spec.podTemplate.spec.containers[0].volumeMount",
                    new Mutation(
                            t -> container(t).set("volumeMount", container(t).get("volumeMounts")), "\"volumeMount\""),
            "FlinkDeployment spec.flinkConfiguration unquoted number",
                    new Mutation(
                            t -> obj(t, "spec", "flinkConfiguration")
                                    .set("pipeline.max-parallelism", IntNode.valueOf(128)),
                            "Cannot coerce Integer value (128)"),
            "FlinkDeployment stauts",
                    new Mutation(t -> ((ObjectNode) t).set("stauts", TextNode.valueOf("x")), "\"stauts\""),
            "Service spec.selecter",
                    new Mutation(
                            t -> obj(t, "spec").set("selecter", obj(t, "spec").get("selector")), "\"selecter\""),
            "NetworkPolicy spec.ingress[0].form",
                    new Mutation(
                            t -> ((ObjectNode) t.path("spec").path("ingress").get(0))
                                    .set(
                                            "form",
                                            t.path("spec")
                                                    .path("ingress")
                                                    .get(0)
                                                    .get("from")),
                            "\"form\""),
            "PersistentVolumeClaim spec.resources.request",
                    new Mutation(
                            t -> obj(t, "spec", "resources")
                                    .set("request", obj(t, "spec", "resources").get("requests")),
                            "\"request\""));

    private static ObjectNode container(JsonNode tree) {
        return (ObjectNode) tree.path("spec")
                .path("podTemplate")
                .path("spec")
                .path("containers")
                .get(0);
    }

    private static ObjectNode obj(JsonNode tree, String... path) {
        JsonNode node = tree;
        for (String step : path) {
            node = node.path(step);
        }
        assertThat(node.isObject()).as(String.join(".", path)).isTrue();
        return (ObjectNode) node;
    }
}
