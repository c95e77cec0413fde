package dev.runner.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.api.RunnerGroup;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupUpdateFilterTest {
  private final GroupUpdateFilter filter = new GroupUpdateFilter();

  private static RunnerGroup group(long generation, Map<String, String> annotations, String deletion, List<String> finalizers) {
    RunnerGroup g = new RunnerGroup();
    g.setMetadata(new ObjectMetaBuilder().withName("g").withGeneration(generation).withAnnotations(annotations)
        .withDeletionTimestamp(deletion).withFinalizers(finalizers).build());
    return g;
  }

  @Test
  void wakesOnWhatMattersOnly() {
    RunnerGroup base = group(1, Map.of(), null, List.of("f"));
    assertThat(filter.accept(group(1, Map.of(), null, List.of("f")), base)).as("status-only write").isFalse();
    assertThat(filter.accept(group(1, Map.of("other", "x"), null, List.of("f")), base)).as("other annotation").isFalse();
    assertThat(filter.accept(group(2, Map.of(), null, List.of("f")), base)).as("spec change").isTrue();
    assertThat(filter.accept(group(1, Map.of("runner.dev/restart", "1"), null, List.of("f")), base)).as("reset").isTrue();
    assertThat(filter.accept(group(1, Map.of(), "2024-01-01T00:00:00Z", List.of("f")), base)).as("deletion").isTrue();
    assertThat(filter.accept(base, group(1, Map.of(), null, List.of()))).as("finalizer added").isTrue();
  }
}
