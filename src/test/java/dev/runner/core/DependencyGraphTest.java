package dev.runner.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.core.DependencyGraph.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DependencyGraphTest {

  static Node node(String name, String... dependsOn) {
    return new Node(name, List.of(dependsOn));
  }

  static DependencyGraph valid(Node... nodes) {
    DependencyGraph.Check check = DependencyGraph.check(List.of(nodes));
    assertThat(check.errors()).isEmpty();
    assertThat(check.valid()).isTrue();
    return check.graph();
  }

  static List<String> errors(Node... nodes) {
    DependencyGraph.Check check = DependencyGraph.check(List.of(nodes));
    assertThat(check.valid()).isFalse();
    assertThat(check.graph()).as("no graph for an invalid input").isNull();
    return check.errors();
  }

  @Test
  void chain() {
    DependencyGraph graph = valid(node("api", "cache"), node("cache", "database"), node("database"));
    assertThat(graph.startWaves()).containsExactly(List.of("database"), List.of("cache"), List.of("api"));
    assertThat(graph.stopWaves()).containsExactly(List.of("api"), List.of("cache"), List.of("database"));
    assertThat(graph.stopOrder()).containsExactly("api", "cache", "database");
  }

  @Test
  void goRunnerSimpleChainInTheOrderItWasAdded() {
    // The Go runner's "Simple dependency chain": added as api, database, cache.
    DependencyGraph graph = valid(node("api", "database", "cache"), node("database"), node("cache", "database"));
    assertThat(graph.startWaves()).containsExactly(List.of("database"), List.of("cache"), List.of("api"));
  }

  @Test
  void goRunnerReverseOrderOnStop() {
    DependencyGraph graph = valid(node("database"), node("api", "database"));
    assertThat(graph.stopOrder()).containsExactly("api", "database");
  }

  @Test
  void diamond() {
    DependencyGraph graph = valid(node("top", "left", "right"), node("left", "base"), node("right", "base"), node("base"));
    assertThat(graph.startWaves()).containsExactly(List.of("base"), List.of("left", "right"), List.of("top"));
    assertThat(graph.stopWaves()).containsExactly(List.of("top"), List.of("left", "right"), List.of("base"));
    assertThat(graph.stopOrder()).containsExactly("top", "left", "right", "base");
  }

  @Test
  void independentServicesStartTogetherSortedByName() {
    DependencyGraph graph = valid(node("zeta"), node("alpha"), node("mid"));
    assertThat(graph.startWaves()).containsExactly(List.of("alpha", "mid", "zeta"));
    assertThat(graph.stopWaves()).containsExactly(List.of("alpha", "mid", "zeta"));
  }

  @Test
  void aServiceGoesInTheWaveAfterItsLatestDependency() {
    // frontend depends on a wave-0 and a wave-2 service: it belongs in wave 3, not wave 1.
    DependencyGraph graph = valid(
        node("frontend", "api", "cdn"),
        node("api", "database", "cache", "migrate"),
        node("worker", "database", "cache"),
        node("migrate", "database"),
        node("database"),
        node("cache"),
        node("cdn"));
    assertThat(graph.startWaves()).containsExactly(
        List.of("cache", "cdn", "database"),
        List.of("migrate", "worker"),
        List.of("api"),
        List.of("frontend"));
    // Stopped as Teardown stops: what nothing depends on first (worker with frontend), each service
    // once its dependents have stopped (cdn after frontend only), not the start waves reversed.
    assertThat(graph.stopWaves()).containsExactly(
        List.of("frontend", "worker"),
        List.of("api", "cdn"),
        List.of("cache", "migrate"),
        List.of("database"));
  }

  @Test
  void everyServiceComesAfterAllItsDependencies() {
    DependencyGraph graph = valid(node("e", "d", "a"), node("d", "c"), node("c", "b"), node("b", "a"), node("a"), node("f", "a"));
    List<String> order = graph.startWaves().stream().flatMap(List::stream).toList();
    for (String service : graph.services()) {
      for (String dependency : graph.dependenciesOf(service)) {
        assertThat(order.indexOf(dependency)).as("%s before %s", dependency, service).isLessThan(order.indexOf(service));
      }
    }
    assertThat(order).hasSize(6);
  }

  @Test
  void repeatedDependencyCountsOnce() {
    DependencyGraph graph = valid(node("api", "db", "db"), node("db"));
    assertThat(graph.dependenciesOf("api")).containsExactly("db");
    assertThat(graph.startWaves()).containsExactly(List.of("db"), List.of("api"));
  }

  @Test
  void singleService() {
    DependencyGraph graph = valid(node("only"));
    assertThat(graph.startWaves()).containsExactly(List.of("only"));
    assertThat(graph.stopOrder()).containsExactly("only");
  }

  @Test
  void nullDependsOnMeansNone() {
    DependencyGraph graph = valid(new Node("a", null));
    assertThat(graph.dependenciesOf("a")).isEmpty();
  }

  @Test
  void longChainHasOneWavePerLevelWithoutOverflowingTheStack() {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      nodes.add(i == 0 ? node(name(i)) : node(name(i), name(i - 1)));
    }
    DependencyGraph.Check check = DependencyGraph.check(nodes);
    assertThat(check.errors()).isEmpty();
    List<List<String>> waves = check.graph().startWaves();
    assertThat(waves).hasSize(200);
    IntStream.range(0, 200).forEach(i -> assertThat(waves.get(i)).containsExactly(name(i)));
    assertThat(check.graph().stopOrder().get(0)).isEqualTo(name(199));
  }

  @Test
  void longCycleIsFoundWithoutOverflowingTheStack() {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      nodes.add(node(name(i), name((i + 1) % 2000)));
    }
    List<String> errors = DependencyGraph.check(nodes).errors();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0)).startsWith("dependency cycle: s0000 -> s0001 -> ").endsWith(" -> s1999 -> s0000");
  }

  private static String name(int i) {
    return String.format("s%04d", i);
  }

  final DependencyGraph diamond = valid(node("top", "left", "right"), node("left", "base"), node("right", "base"), node("base"));

  @Test
  void dependentsOf() {
    assertThat(diamond.dependentsOf("base")).containsExactly("left", "right");
    assertThat(diamond.dependentsOf("left")).containsExactly("top");
    assertThat(diamond.dependentsOf("top")).isEmpty();
    assertThat(diamond.dependentsOf("unknown")).isEmpty();
  }

  @Test
  void dependenciesOfAreSortedByName() {
    assertThat(diamond.dependenciesOf("top")).containsExactly("left", "right");
    assertThat(diamond.dependenciesOf("base")).isEmpty();
    assertThat(diamond.dependenciesOf("unknown")).isEmpty();
  }

  @Test
  void services() {
    assertThat(diamond.services()).containsExactlyInAnyOrder("top", "left", "right", "base");
  }

  @Test
  void duplicateName() {
    assertThat(errors(node("api"), node("db"), node("api", "db")))
        .containsExactly("duplicate service name \"api\": service names must be unique");
  }

  @Test
  void unknownDependency() {
    // The Go runner's "Non-existent dependency".
    assertThat(errors(node("service1", "non-existent")))
        .containsExactly("service \"service1\" depends on \"non-existent\", which is not a service of this group");
  }

  @Test
  void selfDependency() {
    assertThat(errors(node("api", "api"))).containsExactly("service \"api\" depends on itself");
  }

  @Test
  void cycleOfTwo() {
    // The Go runner's "Circular dependency detection"; it could not say where the cycle is.
    assertThat(errors(node("service1", "service2"), node("service2", "service1")))
        .containsExactly("dependency cycle: service1 -> service2 -> service1");
  }

  @Test
  void cycleOfThree() {
    assertThat(errors(node("c", "a"), node("a", "b"), node("b", "c")))
        .containsExactly("dependency cycle: a -> b -> c -> a");
  }

  @Test
  void cycleOfSix() {
    assertThat(errors(node("a", "b"), node("b", "c"), node("c", "d"), node("d", "e"), node("e", "f"), node("f", "a"), node("g", "a")))
        .containsExactly("dependency cycle: a -> b -> c -> d -> e -> f -> a");
  }

  @Test
  void twoDisjointCyclesAreBothReported() {
    assertThat(errors(node("a", "b"), node("b", "a"), node("ok"), node("x", "y"), node("y", "z"), node("z", "x")))
        .containsExactly("dependency cycle: a -> b -> a", "dependency cycle: x -> y -> z -> x");
  }

  @Test
  void cycleReportedAsAShortestPathThroughItsFirstName() {
    // One component with two cycles through a: a -> b -> a is the shortest.
    assertThat(errors(node("a", "b", "c"), node("b", "a"), node("c", "d"), node("d", "a")))
        .containsExactly("dependency cycle: a -> b -> a");
  }

  @Test
  void cycleBehindAValidPrefixIsFound() {
    assertThat(errors(node("api", "db"), node("db", "log"), node("log", "db")))
        .containsExactly("dependency cycle: db -> log -> db");
  }

  @Test
  void allErrorsAtOnce() {
    assertThat(errors(
        node("api", "db", "ghost"),
        node("db", "api"),
        node("db"),
        node("loop", "loop")))
        .containsExactly(
            "duplicate service name \"db\": service names must be unique",
            "service \"api\" depends on \"ghost\", which is not a service of this group",
            "service \"loop\" depends on itself",
            "dependency cycle: api -> db -> api");
  }

  @Test
  void selfDependencyIsNotAlsoReportedAsACycle() {
    assertThat(errors(node("a", "a", "b"), node("b"))).containsExactly("service \"a\" depends on itself");
  }
}
