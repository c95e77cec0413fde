package dev.runner.bench;

import static dev.runner.bench.Report.f1;
import static dev.runner.bench.Report.f2;
import static dev.runner.bench.Report.ms;
import static dev.runner.bench.Report.percentile;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.api.RunnerGroup;
import dev.runner.sandbox.Behavior;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;

/**
 * The benchmark: (1) reaction latency, (2) bring-up overhead, (3) scale, (4) steady state. Each
 * figure gets a fresh mock API server, simulated kubelet and operator JVM. It reports; it never
 * fails on a missed target.
 */
public final class Main {
  // Held: java.util.logging forgets a logger's level when the logger is garbage collected.
  private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
  private final Options o;
  private final Report report = new Report();

  private Main(Options options) {
    this.o = options;
  }

  public static void main(String[] args) throws Exception {
    // The mock server logs every request at INFO: noise, and CPU taken from what is measured.
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    Options options = new Options();
    CommandLine cl = new CommandLine(options);
    cl.parseArgs(args);
    if (CommandLine.printHelpIfRequested(cl.getParseResult())) {
      return;
    }
    if (options.figures == null) {
      options.figures = options.cluster == Options.Cluster.real ? List.of(1, 2, 3, 6, 7) : List.of(1, 2, 3);
    }
    try {
      new Main(options).run();
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0); // the mock server's and clients' threads are not all daemons
  }

  private void run() throws Exception {
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    ObjectNode machine = report.root.putObject("machine");
    machine.put("cores", Runtime.getRuntime().availableProcessors());
    machine.put("loadAverageAtStart", load());
    machine.put("java", System.getProperty("java.version"));
    machine.put("cluster", o.cluster.name());
    machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    report.root.put("timestamp", stamp);
    report.root.put("note", o.note);
    report.root.set("options", Report.JSON.valueToTree(optionsMap()));
    System.out.printf("runner-operator benchmark, %d cores, load average %.2f at start%n",
        Runtime.getRuntime().availableProcessors(), load());
    if (o.cluster == Options.Cluster.real) {
      new RealBench(o, report).run();
    } else {
      if (o.figures.contains(1)) {
        latency();
      }
      if (o.figures.contains(2)) {
        bringUp();
      }
      if (o.figures.contains(3)) {
        scale();
      }
    }
    machine.put("loadAverageAtEnd", load());
    System.out.println();
    System.out.printf("Load average: %.2f at the end (%d cores). Figures measured under load are not comparable.%n",
        load(), Runtime.getRuntime().availableProcessors());
    System.out.print(report.table());
    Path out = report.write(o.resultsDir, stamp);
    System.out.println("JSON: " + out);
  }

  // ---- (1) reaction latency ----

  private void latency() throws Exception {
    System.out.println("\n(1) reaction latency: dependency ready -> dependent's create at the server");
    String ns = "bench-latency";
    Behavior behavior = Behavior.builder().startupTime(Duration.ofMillis(o.latencyStartupMs)).build();
    List<Double> latencies = new ArrayList<>();
    List<Double> floors = new ArrayList<>();
    try (BenchCluster c = new BenchCluster(o, "latency", behavior)) {
      int total = o.warmup + o.samples;
      int concurrency = Math.max(1, o.latencyConcurrency);
      for (int start = 0; start < total; start += concurrency) {
        int end = Math.min(total, start + concurrency);
        for (int i = start; i < end; i++) {
          c.client.resource(Groups.runnerGroup(ns, "lat-" + i, List.of(Groups.svc("a"), Groups.svc("b", "a")))).create();
        }
        for (int i = start; i < end; i++) {
          String b = "lat-" + i + "-b";
          await(() -> c.log.ready(ns, b) != null, o.timeoutSeconds, "group lat-" + i + " to come up");
        }
        for (int i = start; i < end; i++) {
          long t = System.nanoTime();
          c.client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
              .withName("floor-" + i).endMetadata().addToData("k", "v").build()).create();
          long rtt = System.nanoTime() - t;
          if (i >= o.warmup) {
            floors.add(ms(rtt));
            latencies.add(ms(c.log.created(ns, "lat-" + i + "-b") - c.log.ready(ns, "lat-" + i + "-a")));
          }
        }
      }
    }
    double p50 = percentile(latencies, 50);
    double p99 = percentile(latencies, 99);
    double f50 = percentile(floors, 50);
    double f99 = percentile(floors, 99);
    ObjectNode j = report.root.putObject("latency");
    j.put("samples", latencies.size());
    j.put("p50Ms", p50);
    j.put("p99Ms", p99);
    j.put("maxMs", percentile(latencies, 100));
    j.put("floorP50Ms", f50);
    j.put("floorP99Ms", f99);
    j.put("ratioP50", p50 / f50);
    j.put("ratioP99", p99 / f99);
    j.set("samplesMs", Report.JSON.valueToTree(latencies));
    j.set("floorSamplesMs", Report.JSON.valueToTree(floors));
    String fig = "1 reaction latency";
    report.row(fig, "samples", String.valueOf(latencies.size()), ">= 200", latencies.size() >= 200);
    report.row(fig, "p50 ready -> create (ms)", f1(p50), "", null);
    report.row(fig, "p99 ready -> create (ms)", f1(p99), "< 100 ms", p99 < 100);
    report.row(fig, "floor: create round trip p50/p99 (ms)", f1(f50) + " / " + f1(f99), "", null);
    report.row(fig, "ratio to floor p50 / p99", f1(p50 / f50) + "x / " + f1(p99 / f99) + "x", "p99 < 5x", p99 / f99 < 5);
  }

  // ---- (2) bring-up overhead ----

  private void bringUp() throws Exception {
    System.out.println("\n(2) bring-up overhead: time to healthy minus the critical path, per level");
    Behavior behavior = Behavior.builder().startupTime(Duration.ofMillis(o.startupMs)).build();
    try (BenchCluster c = new BenchCluster(o, "bringup", behavior)) {
      levels(c, "bench-chain", "chain", "chain of " + o.chainDepth, Groups.chainLevels(o.chainDepth), Groups.chain(o.chainDepth));
      List<List<String>> dag = Groups.dagLevels(o.dagLevels, o.dagWidth);
      List<String[]> dagServices = Groups.dag(o.dagLevels, o.dagWidth, o.dagDeps);
      levels(c, "bench-dag", "dag", "DAG " + o.dagLevels + "x" + o.dagWidth
          + (o.dagDeps <= 0 ? " (all deps)" : " (" + o.dagDeps + " deps)"), dag, dagServices);
    }
  }

  private void levels(BenchCluster c, String ns, String name, String label, List<List<String>> levels,
      List<String[]> services) throws Exception {
    RunnerGroup g = Groups.runnerGroup(ns, name, services);
    long t0 = System.nanoTime();
    c.client.resource(g).create();
    await(() -> c.log.groupHealthy(ns, name) != null, o.timeoutSeconds, name + " to be healthy");
    long healthy = c.log.groupHealthy(ns, name);
    int depth = levels.size();
    double total = ms(healthy - t0);
    double critical = depth * (double) o.startupMs;
    double perLevel = (total - critical) / depth;
    double operatorSum = 0;
    double kubeletSum = 0;
    long previousReady = t0;
    List<Map<String, Object>> perLevelDetail = new ArrayList<>();
    for (List<String> level : levels) {
      long lastCreated = level.stream().mapToLong(s -> c.log.created(ns, name + "-" + s)).max().orElseThrow();
      long lastReady = level.stream().mapToLong(s -> c.log.ready(ns, name + "-" + s)).max().orElseThrow();
      double react = ms(lastCreated - previousReady);
      double kubelet = ms(lastReady - lastCreated) - o.startupMs;
      operatorSum += react;
      kubeletSum += kubelet;
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("lastDependencyReadyToLastCreateMs", react);
      d.put("lastCreateToLastReadyMinusStartupMs", kubelet);
      perLevelDetail.add(d);
      previousReady = lastReady;
    }
    double statusLag = ms(healthy - previousReady);
    ObjectNode j = report.root.withObjectProperty("bringUp").putObject(name);
    j.put("services", services.size());
    j.put("levels", depth);
    j.put("startupMs", o.startupMs);
    j.put("timeToHealthyMs", total);
    j.put("criticalPathMs", critical);
    j.put("overheadPerLevelMs", perLevel);
    j.put("operatorPerLevelMs", operatorSum / depth);
    j.put("kubeletPerLevelMs", kubeletSum / depth);
    j.put("lastReadyToGroupHealthyMs", statusLag);
    j.set("perLevel", Report.JSON.valueToTree(perLevelDetail));
    String fig = "2 bring-up " + label;
    report.row(fig, "time to healthy (ms)", f1(total) + " (path " + f1(critical) + ")", "", null);
    report.row(fig, "overhead per level (ms)", f1(perLevel), "< 50 ms", perLevel < 50);
    report.row(fig, "  of which operator / kubelet (ms)", f1(operatorSum / depth) + " / " + f1(kubeletSum / depth), "", null);
  }

  // ---- (3) scale and (4) steady state ----

  private void scale() throws Exception {
    int services = o.groups * o.services;
    System.out.printf("%n(3) scale: %d groups x %d services = %d Deployments, operator in its own JVM%n",
        o.groups, o.services, services);
    String ns = "bench-scale";
    Behavior behavior = Behavior.builder().startupTime(Duration.ofMillis(o.scaleStartupMs)).build();
    try (BenchCluster c = new BenchCluster(o, "scale", behavior)) {
      Map<String, Long> before = c.log.counts();
      long opCpu0 = c.operator.cpuMillis();
      long benchCpu0 = benchCpuMillis();
      long busy0 = c.log.busyNanos();
      long requests0 = c.log.requests();
      long t0 = System.nanoTime();
      for (int g = 0; g < o.groups; g++) {
        List<String[]> list = new ArrayList<>();
        for (int s = 0; s < o.services; s++) {
          list.add(s == 0 ? Groups.svc("s0") : Groups.svc("s" + s, "s" + ((s - 1) / 2)));
        }
        c.client.resource(Groups.runnerGroup(ns, String.format("g%04d", g), list)).create();
      }
      long applied = System.nanoTime();
      long deadline = t0 + TimeUnit.SECONDS.toNanos(o.scaleTimeoutSeconds);
      long lastPrint = System.nanoTime();
      while (c.log.healthyGroups(ns) < o.groups && System.nanoTime() < deadline) {
        Thread.sleep(50);
        if (System.nanoTime() - lastPrint > TimeUnit.SECONDS.toNanos(10)) {
          lastPrint = System.nanoTime();
          System.out.printf("  ... %.0f s: %d/%d groups healthy, %d/%d Deployments ready%n", ms(lastPrint - t0) / 1000,
              c.log.healthyGroups(ns), o.groups, c.log.readyDeployments(ns), services);
        }
      }
      long done = System.nanoTime();
      long healthyGroups = c.log.healthyGroups(ns);
      boolean complete = healthyGroups == o.groups;
      long lastHealthy = 0;
      long lastReady = 0;
      for (int g = 0; g < o.groups; g++) {
        String name = String.format("g%04d", g);
        Long h = c.log.groupHealthy(ns, name);
        lastHealthy = Math.max(lastHealthy, h == null ? done : h);
        for (int s = 0; s < o.services; s++) {
          Long r = c.log.ready(ns, name + "-s" + s);
          lastReady = Math.max(lastReady, r == null ? done : r);
        }
      }
      Map<String, Long> during = diff(before, c.log.counts());
      long opCpu = c.operator.cpuMillis() - opCpu0;
      long benchCpu = benchCpuMillis() - benchCpu0;
      double wall = ms(lastHealthy - t0);
      long opWrites = sum(during, ServerLog.OPERATOR + " write");
      long opReads = sum(during, ServerLog.OPERATOR + " read");
      long opEvents = sum(during, ServerLog.OPERATOR + " write create events") + sum(during, ServerLog.OPERATOR + " write patch events")
          + sum(during, ServerLog.OPERATOR + " write update events");
      long heap = c.operator.heapAfterFullGc();
      long heapMetrics = c.operator.heapFromMetrics();

      ObjectNode j = report.root.putObject("scale");
      j.put("groups", o.groups);
      j.put("servicesPerGroup", o.services);
      j.put("services", services);
      j.put("startupMs", o.scaleStartupMs);
      j.put("complete", complete);
      j.put("healthyGroups", healthyGroups);
      j.put("applyMs", ms(applied - t0));
      j.put("allDeploymentsReadyMs", ms(lastReady - t0));
      j.put("allGroupsHealthyMs", wall);
      j.put("operatorWrites", opWrites);
      j.put("operatorReads", opReads);
      j.put("operatorEventWrites", opEvents);
      j.put("writesPerService", opWrites / (double) services);
      j.put("writesPerServiceWithoutEvents", (opWrites - opEvents) / (double) services);
      j.put("readsPerService", opReads / (double) services);
      j.put("heapAfterFullGcBytes", heap);
      j.put("heapFromMetricsAfterGcBytes", heapMetrics);
      j.put("operatorCpuMs", opCpu);
      j.put("serverKubeletBenchJvmCpuMs", benchCpu);
      j.put("serverRequests", c.log.requests() - requests0);
      j.put("serverDispatchBusyMs", ms(c.log.busyNanos() - busy0));
      j.put("serverMaxConcurrentDispatch", c.log.maxInFlight());
      j.put("serverDispatchThreads", c.log.dispatchThreads().size());
      j.set("requests", Report.JSON.valueToTree(during));

      String fig = "3 scale " + o.groups + "x" + o.services;
      if (!complete) {
        report.note("scale: only " + healthyGroups + " of " + o.groups + " groups healthy after " + o.scaleTimeoutSeconds + " s");
      }
      report.row(fig, "apply -> all healthy (s)", f2(wall / 1000) + (complete ? "" : " (INCOMPLETE)"), "", complete ? null : false);
      report.row(fig, "apply -> all Deployments ready (s)", f2(ms(lastReady - t0) / 1000), "", null);
      report.row(fig, "operator writes per service", f2(opWrites / (double) services), "<= 3", opWrites <= 3L * services);
      report.row(fig, "  without Events", f2((opWrites - opEvents) / (double) services), "", null);
      report.row(fig, "operator reads per service", f2(opReads / (double) services), "", null);
      report.row(fig, "operator heap after full GC (MiB)", f1(heap / 1048576.0), "< 256 MiB", heap < 256L * 1048576);
      report.row(fig, "CPU s: operator / server+kubelet", f1(opCpu / 1000.0) + " / " + f1(benchCpu / 1000.0), "", null);
      System.out.println("  operator requests during (3), by verb and resource:");
      during.forEach((k, v) -> {
        if (k.startsWith(ServerLog.OPERATOR + " ")) {
          System.out.printf("    %-60s %8d  (%.2f per service)%n", k.substring(ServerLog.OPERATOR.length() + 1), v, v / (double) services);
        }
      });
      double cores = Runtime.getRuntime().availableProcessors();
      double used = (opCpu + benchCpu) / wall;
      String bottleneck = String.format(java.util.Locale.ROOT,
          "the run used %.2f of %.0f cores on average (operator %.2f, mock server + simulated kubelet + bench client %.2f); "
              + "server dispatch busy %.0f%% of the wall time, %d requests (%d by the kubelet, which is single-threaded)",
          used, cores, opCpu / wall, benchCpu / wall, 100 * ms(c.log.busyNanos() - busy0) / wall,
          c.log.requests() - requests0, sum(during, ServerLog.KUBELET + " "));
      report.note(bottleneck);
      if (benchCpu > opCpu) {
        report.note("the mock API server and simulated kubelet (one JVM) used more CPU than the operator: "
            + "at this scale the harness, not the operator, bounds the wall time");
      }
      j.put("bottleneck", bottleneck);

      steady(c, ns);
    }
  }

  private void steady(BenchCluster c, String ns) throws Exception {
    System.out.printf("%n(4) steady state: %d s with nothing changing%n", o.steadySeconds);
    Map<String, Long> before = c.log.counts();
    Thread.sleep(TimeUnit.SECONDS.toMillis(o.steadySeconds));
    Map<String, Long> during = diff(before, c.log.counts());
    long writes = sum(during, ServerLog.OPERATOR + " write");
    long reads = sum(during, ServerLog.OPERATOR + " read");
    ObjectNode j = report.root.putObject("steady");
    j.put("seconds", o.steadySeconds);
    j.put("operatorWrites", writes);
    j.put("operatorReads", reads);
    j.set("requests", Report.JSON.valueToTree(during));
    String fig = "4 steady " + o.steadySeconds + " s";
    report.row(fig, "operator writes", String.valueOf(writes), "0", writes == 0);
    report.row(fig, "operator reads", String.valueOf(reads), "", null);
  }

  // ---- helpers ----

  private static void await(BooleanSupplier condition, long seconds, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + seconds + " s waiting for " + what);
      }
      Thread.sleep(1);
    }
  }

  private static Map<String, Long> diff(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> d = new java.util.TreeMap<>();
    after.forEach((k, v) -> {
      long n = v - before.getOrDefault(k, 0L);
      if (n != 0) {
        d.put(k, n);
      }
    });
    return d;
  }

  private static long sum(Map<String, Long> counts, String prefix) {
    return counts.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(Map.Entry::getValue).sum();
  }

  private static long benchCpuMillis() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return TimeUnit.NANOSECONDS.toMillis(sun.getProcessCpuTime());
    }
    return -1;
  }

  private static double load() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private Map<String, Object> optionsMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    for (var f : Options.class.getDeclaredFields()) {
      f.setAccessible(true);
      try {
        m.put(f.getName(), f.get(o));
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
    return m;
  }
}
