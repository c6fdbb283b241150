package io.freshrec.k8s;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.AnnotatedMethod;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;

/**
 * Reads Kubernetes manifests as strictly as {@code kubectl apply} (server-side strict field validation)
 * would: into the operator's and fabric8's API classes, failing on any field those classes do not have
 * and on scalars of the wrong type (a CRD field of type string rejects an unquoted {@code true} or
 * {@code 128}).
 */
final class Manifests {
    /** The kinds this project deploys, by the class that models each. */
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            HasMetadata.getKind(FlinkDeployment.class), FlinkDeployment.class,
            HasMetadata.getKind(Service.class), Service.class,
            HasMetadata.getKind(NetworkPolicy.class), NetworkPolicy.class,
            HasMetadata.getKind(PersistentVolumeClaim.class), PersistentVolumeClaim.class,
            HasMetadata.getKind(Deployment.class), Deployment.class);

    static final ObjectMapper STRICT = strictYamlMapper();

    private Manifests() {}

    private static ObjectMapper strictYamlMapper() {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        // FAIL_ON_UNKNOWN_PROPERTIES alone checks almost nothing here: the operator's spec classes are
        // annotated @JsonIgnoreProperties(ignoreUnknown = true) (forward compatibility), and fabric8's model
        // classes collect unknown fields in an @JsonAnySetter map ("additionalProperties"). Dropping both
        // makes every class as strict as kubectl's strict field validation.
        mapper.setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
            @Override
            public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated annotated) {
                return super.findPropertyIgnoralByName(config, annotated).withoutIgnoreUnknown();
            }

            @Override
            public Boolean hasAnySetter(Annotated annotated) {
                return Boolean.FALSE;
            }

            @Override
            @SuppressWarnings("deprecation")
            public boolean hasAnySetterAnnotation(AnnotatedMethod method) {
                return false;
            }
        });
        for (CoercionInputShape shape :
                List.of(CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean)) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        return mapper;
    }

    /** Every YAML document of every {@code *.yaml} file in {@code dir}, as trees. */
    static List<Document> documents(Path dir) throws IOException {
        List<Document> documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(
                            f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .sorted()
                    .toList()) {
                try (var values = STRICT.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
                    while (values.hasNext()) {
                        JsonNode node = values.next();
                        if (node != null && !node.isNull() && !node.isMissingNode()) {
                            documents.add(new Document(file, node));
                        }
                    }
                }
            }
        }
        return documents;
    }

    /**
     * Converts a manifest tree into the class of its kind; throws if the kind is unknown, the
     * apiVersion is not that class's, or any field does not fit the class.
     */
    static HasMetadata parse(JsonNode tree) throws IOException {
        String kind = tree.path("kind").asText();
        Class<? extends HasMetadata> type = KINDS.get(kind);
        if (type == null) {
            throw new IllegalArgumentException("unexpected kind '" + kind + "'");
        }
        String group = HasMetadata.getGroup(type);
        String expected = group.isEmpty() ? HasMetadata.getVersion(type) : group + "/" + HasMetadata.getVersion(type);
        String apiVersion = tree.path("apiVersion").asText();
        if (!apiVersion.equals(expected)) {
            throw new IllegalArgumentException(kind + " has apiVersion '" + apiVersion + "', expected " + expected);
        }
        return STRICT.treeToValue(tree, type);
    }

    record Document(Path file, JsonNode tree) {}
}
