package dev.runner.bench;

import static dev.runner.bench.Report.f1;
import static dev.runner.bench.Report.f2;
import static dev.runner.bench.Report.percentile;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.it.OperatorProcess;
import dev.runner.it.RealApiServer;
import dev.runner.sandbox.Behavior;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * {@code --cluster real}: the figures on the control plane of the real-apiserver suite (etcd,
 * kube-apiserver with its audit log on, kube-controller-manager, kube-scheduler, kwok's Nodes, the
 * Pods played by it/kwok's stages), the operator as its own process ({@code run} of the jar, the
 * Helm chart's ServiceAccount, leader election on), and kro beside it. Every instant is the API
 * server's, from its audit log ({@link AuditLog}).
 */
final class RealBench {
  static final String POLICY = """
      apiVersion: audit.k8s.io/v1
      kind: Policy
      omitStages: [RequestReceived, ResponseStarted]
      rules:
      # the answers to status writes: when a Deployment turned available, a group healthy, an instance ready
      - level: RequestResponse
        verbs: [update, patch]
        resources:
        - {group: apps, resources: [deployments/status]}
        - {group: runner.dev, resources: [runnergroups/status]}
        - {group: kro.run, resources: ["*/status"]}
      # the creates of groups, instances and Deployments: who, when, which name
      - level: Request
        verbs: [create]
        resources:
        - {group: apps, resources: [deployments]}
        - {group: runner.dev, resources: [runnergroups]}
        - {group: kro.run}
      # everything else: counted per identity, verb and resource
      - level: Metadata
      """;

  private final Options o;
  private final Report report;
  private RealApiServer server;
  private AuditLog audit;
  private KubernetesClient client;
  private OperatorProcess operator;
  private KroProcess kro;
  private final ProcCpu cpu = new ProcCpu();
  private Path dir;
  /** When the operator last exited on SIGTERM (this host's clock, as the API server's). */
  private volatile long stoppedAtMicros;

  RealBench(Options options, Report report) {
    this.o = options;
    this.report = report;
  }

  void run() throws Exception {
    dir = Files.createDirectories(Path.of(o.workDir, "real").toAbsolutePath());
    Path policy = dir.resolve("audit-policy.yaml");
    Path auditFile = dir.resolve("audit.log");
    Files.deleteIfExists(auditFile);
    Files.writeString(policy, POLICY);
    System.out.println("starting the control plane (etcd, kube-apiserver with its audit log, kube-controller-manager, "
        + "kube-scheduler, kwok)");
    server = RealApiServer.start(new RealApiServer.Audit(policy, auditFile));
    try {
      audit = new AuditLog(auditFile);
      // The suite's three Nodes hold 750 Pods; figures 1-3 make about 1,100 (every group stays up).
      server.controlPlane().addNodes("kwok-bench-", 2, 1000);
      Config config = Config.fromKubeconfig(server.kubeconfigYaml());
      config.setUserAgent(AuditLog.BENCH_AGENT);
      client = new KubernetesClientBuilder().withConfig(config).build();
      ProcessHandle.current().descendants().forEach(p -> p.info().command().ifPresent(c -> {
        String name = Path.of(c).getFileName().toString();
        if (List.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok").contains(name)) {
          cpu.track(name, p.pid());
        }
      }));
      cpu.track("bench JVM (client, pod stager)", ProcessHandle.current().pid());
      // The suite's launcher takes its jar from this property (default target/runner-operator.jar): --jar sets it.
      System.setProperty("realApiServer.operatorJar", o.jar);
      operator = OperatorProcess.start(server, dir.resolve("operator.log"), "bench-operator");
      cpu.track(AuditLog.OPERATOR, operator.pid());
      boolean withKro = o.figures.contains(3);
      if (withKro) {
        kro = KroProcess.start(server, Path.of(o.kroBinary), Path.of(o.kroCrds), dir.resolve("kro.log"));
        cpu.track(AuditLog.KRO, kro.pid());
        report.root.putObject("kro").put("flags", String.join(" ", KroProcess.FLAGS)).put("binary", o.kroBinary);
        KroGraphs.apply(client, o);
      }
      for (String ns : List.of("bench-warmup", "bench-latency", "bench-chain", "bench-dag", "kro-chain", "kro-dag",
          "bench-scale")) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .serverSideApply();
      }
      warmUp(withKro);
      ObjectNode cp = report.root.putObject("controlPlane");
      cp.put("kubernetes", server.version());
      cp.put("auditPolicy", POLICY);
      cp.put("clientLimits", "kube-controller-manager --kube-api-qps=500 --kube-api-burst=1000; kube-scheduler "
          + "clientConnection qps 500 burst 1000; kwok: no client rate limit (its clients use an always-allow limiter); "
          + "kwok podPlayStageParallelism 4; operator: fabric8 defaults (no client rate limit)");
      if (o.figures.contains(1)) {
        latency();
      }
      if (o.figures.contains(2) || withKro) {
        bringUp(withKro);
      }
      if (o.figures.contains(6)) {
        steady();
      }
      if (o.figures.contains(7)) {
        writes();
      }
      if (o.figures.contains(4)) {
        new RealScale(o, report, server, audit, client, cpu, operator, this::restartOperator, this::stoppedAtMicros).run();
      }
      ObjectNode totals = report.root.putObject("requestsByIdentity");
      audit.counts(r -> true).forEach(totals::put);
      report.root.set("cpuMsTotal", Report.JSON.valueToTree(cpu.snapshot()));
      if (!audit.unknownAgents().isEmpty()) {
        report.note("requests of unattributed clients: " + audit.unknownAgents());
      }
    } finally {
      close();
    }
  }

  /** SIGTERM the operator, start it again (the same identity and Lease); returns the new process. */
  OperatorProcess restartOperator() {
    int code = operator.stop();
    stoppedAtMicros = RealBench.nowMicros();
    if (code != 0) {
      report.note("the operator exited with code " + code + " on SIGTERM");
    }
    operator = OperatorProcess.start(server, dir.resolve("operator.log"), "bench-operator");
    cpu.track(AuditLog.OPERATOR, operator.pid());
    return operator;
  }

  private void close() {
    if (kro != null) {
      kro.close();
    }
    if (operator != null) {
      operator.stop();
    }
    if (client != null) {
      client.close();
    }
    server.close();
  }

  // ---- warm-up: a chain of three on each side, not measured ----

  private void warmUp(boolean withKro) throws InterruptedException {
    server.controlPlane().pods().defaults(Behavior.DEFAULT);
    client.resource(Groups.runnerGroup("bench-warmup", "warmup", Groups.chain(3))).create();
    await(() -> audit.healthy("bench-warmup", "warmup") != null, "the warm-up group to be healthy");
    if (withKro) {
      client.resource(KroGraphs.instance("bench-warmup", "warmup-kro", KroGraphs.CHAIN)).create();
      await(() -> audit.healthy("bench-warmup", "warmup-kro") != null, "the warm-up kro instance to be ready");
    }
  }

  // ---- (1) reaction latency ----

  private void latency() throws InterruptedException {
    System.out.println("\n(1) reaction latency: dependency available -> dependent's create, at the API server");
    server.controlPlane().pods().defaults(Behavior.DEFAULT);
    String ns = "bench-latency";
    List<Double> latencies = new ArrayList<>();
    List<Double> floors = new ArrayList<>();
    List<Double> serverFloors = new ArrayList<>();
    double load0 = load();
    for (int i = 0; i < o.warmup + o.samples; i++) {
      String name = "lat-" + i;
      client.resource(Groups.runnerGroup(ns, name, List.of(Groups.svc("a"), Groups.svc("b", "a")))).create();
      await(() -> audit.available(ns, name + "-b") != null, name + "-b to be available");
      long t = System.nanoTime();
      client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("floor-" + i)
          .endMetadata().addToData("k", "v").build()).create();
      double rtt = (System.nanoTime() - t) / 1e6;
      if (i >= o.warmup) {
        latencies.add(ms(audit.created(ns, name + "-b") - audit.available(ns, name + "-a")));
        floors.add(rtt);
        String cm = "floor-" + i;
        audit.matching(r -> r.who().equals(AuditLog.BENCH) && r.resource().equals("configmaps") && r.name().equals(cm))
            .forEach(r -> serverFloors.add(ms(r.completed() - r.received())));
      }
    }
    double p50 = percentile(latencies, 50);
    double p99 = percentile(latencies, 99);
    double f50 = percentile(floors, 50);
    double f99 = percentile(floors, 99);
    ObjectNode j = report.root.putObject("latency");
    j.put("loadAverageAtStart", load0);
    j.put("loadAverageAtEnd", load());
    j.put("samples", latencies.size());
    j.put("p50Ms", p50);
    j.put("p99Ms", p99);
    j.put("maxMs", percentile(latencies, 100));
    j.put("floorP50Ms", f50);
    j.put("floorP99Ms", f99);
    j.put("floorServerSideP50Ms", percentile(serverFloors, 50));
    j.set("samplesMs", Report.JSON.valueToTree(latencies));
    j.set("floorSamplesMs", Report.JSON.valueToTree(floors));
    j.set("floorServerSideSamplesMs", Report.JSON.valueToTree(serverFloors));
    String fig = "1 reaction latency (real)";
    report.row(fig, "samples", String.valueOf(latencies.size()), ">= 200", latencies.size() >= 200);
    report.row(fig, "p50 / p99 available -> create (ms)", f1(p50) + " / " + f1(p99), "", null);
    report.row(fig, "floor: create round trip p50 / p99 (ms)", f1(f50) + " / " + f1(f99), "", null);
    report.row(fig, "p99 / floor p99", f1(p99 / f99) + "x", "< 3x", p99 / f99 < 3);
    report.row(fig, "load average start / end", f2(load0) + " / " + f2(load()), "", null);
  }

  // ---- (2) bring-up overhead, and (3) kro beside us, alternating ----

  private void bringUp(boolean withKro) throws InterruptedException {
    System.out.println("\n(2) bring-up overhead per level" + (withKro ? ", (3) kro beside us, alternating" : ""));
    server.controlPlane().pods().defaults(Behavior.builder().startupTime(Duration.ofMillis(o.startupMs)).build());
    List<List<String>> chain = Groups.chainLevels(o.chainDepth);
    List<List<String>> dag = Groups.dagLevels(o.dagLevels, o.dagWidth);
    Map<String, List<Map<String, Object>>> runs = new LinkedHashMap<>();
    for (int r = 0; r < o.runs; r++) {
      String c = "chain-" + r;
      String d = "dag-" + r;
      add(runs, "runner chain", bringUpOne("bench-chain", c, chain, false,
          () -> client.resource(Groups.runnerGroup("bench-chain", c, Groups.chain(o.chainDepth))).create()));
      if (withKro) {
        add(runs, "kro chain", bringUpOne("kro-chain", c, chain, true,
            () -> client.resource(KroGraphs.instance("kro-chain", c, KroGraphs.CHAIN)).create()));
      }
      add(runs, "runner dag", bringUpOne("bench-dag", d, dag, false,
          () -> client.resource(Groups.runnerGroup("bench-dag", d, Groups.dag(o.dagLevels, o.dagWidth, o.dagDeps))).create()));
      if (withKro) {
        add(runs, "kro dag", bringUpOne("kro-dag", d, dag, true,
            () -> client.resource(KroGraphs.instance("kro-dag", d, KroGraphs.DAG)).create()));
      }
    }
    ObjectNode j = report.root.putObject("bringUpReal");
    j.put("runs", o.runs);
    j.put("startupMs", o.startupMs);
    j.set("samples", Report.JSON.valueToTree(runs));
    String dagLabel = "DAG " + o.dagLevels + "x" + o.dagWidth + " (" + o.dagDeps + " deps)";
    for (String shape : List.of("chain", "dag")) {
      String label = shape.equals("chain") ? "chain of " + o.chainDepth : dagLabel;
      List<Map<String, Object>> ours = runs.get("runner " + shape);
      double total = median(ours, "timeToHealthyMs");
      double perLevel = median(ours, "overheadPerLevelMs");
      double opPart = median(ours, "operatorPerLevelMs");
      double ctlPart = median(ours, "controllersPerLevelMs");
      String fig = "2 bring-up " + label + " (real)";
      report.row(fig, "time to healthy, median of " + o.runs + " (ms)", f1(total), "", null);
      report.row(fig, "overhead per level (ms)", f1(perLevel), "", null);
      report.row(fig, "  operator's part / controllers' part (ms)", f1(opPart) + " / " + f1(ctlPart),
          "operator < 25 ms", opPart < 25);
      report.row(fig, "  operator's part: event->1st request / status writes / GET (ms)",
          f1(median(ours, "median availableToFirstRequestMs")) + " / " + f1(median(ours, "median statusWritesAtServerMs"))
              + " / " + f1(median(ours, "median readsAtServerMs")), "", null);
      if (withKro) {
        List<Map<String, Object>> theirs = runs.get("kro " + shape);
        double kroTotal = median(theirs, "timeToHealthyMs");
        String kfig = "3 kro beside us, " + label;
        report.row(kfig, "time to healthy runner / kro (ms)", f1(total) + " / " + f1(kroTotal) + " = "
            + f2(total / kroTotal) + "x", "< 1x", total < kroTotal);
        report.row(kfig, "reaction gap median: runner / kro (ms)", f1(median(ours, "gapMedianMs")) + " / "
            + f1(median(theirs, "gapMedianMs")), "runner lower", median(ours, "gapMedianMs") < median(theirs, "gapMedianMs"));
        report.row(kfig, "controller's part per level runner / kro (ms)", f1(opPart) + " / "
            + f1(median(theirs, "operatorPerLevelMs")), "runner lower", opPart < median(theirs, "operatorPerLevelMs"));
        report.row(kfig, "requests runner / kro", f1(median(ours, "controllerRequests")) + " / "
            + f1(median(theirs, "controllerRequests")), "runner fewer",
            median(ours, "controllerRequests") < median(theirs, "controllerRequests"));
        report.row(kfig, "status writes runner / kro", f1(median(ours, "statusWrites")) + " / "
            + f1(median(theirs, "statusWrites")), "runner fewer", median(ours, "statusWrites") < median(theirs, "statusWrites"));
        report.row(kfig, "CPU ms runner / kro", f1(median(ours, "controllerCpuMs")) + " / "
            + f1(median(theirs, "controllerCpuMs")), "runner less", median(ours, "controllerCpuMs") < median(theirs, "controllerCpuMs"));
      }
    }
  }

  private static void add(Map<String, List<Map<String, Object>>> runs, String key, Map<String, Object> run) {
    runs.computeIfAbsent(key, k -> new ArrayList<>()).add(run);
  }

  /** One bring-up, measured from the audit log once it is healthy and 1 s of quiet has passed. */
  private Map<String, Object> bringUpOne(String ns, String name, List<List<String>> levels, boolean isKro,
      Runnable apply) throws InterruptedException {
    String who = isKro ? AuditLog.KRO : AuditLog.OPERATOR;
    Map<String, Long> cpu0 = cpu.snapshot();
    double load0 = load();
    apply.run();
    await(() -> audit.healthy(ns, name) != null, ns + "/" + name + " to be healthy");
    Thread.sleep(1000); // what the controller does right after (the last events, a final status write) counts too
    Map<String, Long> cpuUsed = ProcCpu.delta(cpu0, cpu.snapshot());
    long t0 = audit.applied(ns, name);
    long healthy = audit.healthy(ns, name);
    int depth = levels.size();
    double total = ms(healthy - t0);
    double perLevel = (total - depth * (double) o.startupMs) / depth;
    double opSum = 0;
    double ctlSum = 0;
    long previousAvailable = t0;
    List<Double> gaps = new ArrayList<>();
    List<Map<String, Object>> detail = new ArrayList<>();
    List<Map<String, Object>> breakdown = new ArrayList<>();
    for (List<String> level : levels) {
      long lastCreated = 0;
      long lastAvailable = 0;
      for (String s : level) {
        long c = audit.created(ns, name + "-" + s);
        long a = audit.available(ns, name + "-" + s);
        lastCreated = Math.max(lastCreated, c);
        lastAvailable = Math.max(lastAvailable, a);
        if (previousAvailable != t0) {
          gaps.add(ms(c - previousAvailable));
        }
      }
      double react = ms(lastCreated - previousAvailable);
      double ctl = ms(lastAvailable - lastCreated) - o.startupMs;
      opSum += react;
      ctlSum += ctl;
      detail.add(Map.of("lastDependencyAvailableToLastCreateMs", react, "lastCreateToLastAvailableMinusStartupMs", ctl));
      if (previousAvailable != t0) {
        breakdown.add(breakdown(ns, who, previousAvailable, lastCreated));
      }
      previousAvailable = lastAvailable;
    }
    Predicate<AuditLog.Request> mine = r -> r.who().equals(who) && r.namespace().equals(ns)
        && (r.name().startsWith(name + "-") || r.name().equals(name) || r.resource().equals("events"));
    Map<String, Long> requests = audit.counts(r -> mine.test(r) && r.received() >= t0);
    long statusWrites = audit.matching(r -> mine.test(r) && r.received() >= t0 && r.name().equals(name)
        && r.subresource().equals("status") && r.write()).size();
    long total2 = requests.values().stream().mapToLong(Long::longValue).sum();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", ns + "/" + name);
    m.put("timeToHealthyMs", total);
    m.put("overheadPerLevelMs", perLevel);
    m.put("operatorPerLevelMs", opSum / depth);
    m.put("controllersPerLevelMs", ctlSum / depth);
    m.put("lastAvailableToHealthyMs", ms(healthy - previousAvailable));
    m.put("gapMedianMs", percentile(gaps, 50));
    m.put("gapMaxMs", percentile(gaps, 100));
    m.put("controllerRequests", (double) total2);
    m.put("statusWrites", (double) statusWrites);
    m.put("controllerCpuMs", (double) cpuUsed.getOrDefault(who, -1L));
    m.put("cpuMs", cpuUsed);
    m.put("requests", requests);
    m.put("gapsMs", gaps);
    m.put("perLevel", detail);
    m.put("controllerPartBreakdown", breakdown);
    for (String k : List.of("availableToFirstRequestMs", "statusWritesAtServerMs", "readsAtServerMs", "createAtServerMs",
        "controllerOwnMs")) {
      m.put("median " + k, percentile(breakdown.stream().map(b -> ((Number) b.get(k)).doubleValue()).toList(), 50));
    }
    m.put("loadAverage", load0);
    System.out.printf("  %-10s %-8s healthy in %7.1f ms, per level %5.1f ms (controller %5.1f, control plane %5.1f), "
        + "%d requests, %d status writes, CPU %d ms, load %.2f%n", ns, name, total, perLevel, opSum / depth, ctlSum / depth,
        total2, statusWrites, cpuUsed.getOrDefault(who, -1L), load0);
    return m;
  }

  /**
   * Where the controller's part of one level goes, from the audit log: from the last dependency
   * turning available to the controller's first request in the namespace (the watch event reaching
   * it and its reconcile), the time the server spent on its status writes and on its reads (GETs)
   * in the window, the last create's own time, and the rest (the controller between its requests).
   */
  private Map<String, Object> breakdown(String ns, String who, long available, long lastCreated) {
    List<AuditLog.Request> window = audit.matching(r -> r.who().equals(who) && r.namespace().equals(ns)
        && r.received() >= available && r.received() <= lastCreated && !r.resource().equals("events"));
    long first = window.stream().mapToLong(AuditLog.Request::received).min().orElse(lastCreated);
    double status = window.stream().filter(r -> r.subresource().equals("status") && r.write())
        .mapToDouble(r -> ms(r.completed() - r.received())).sum();
    double reads = window.stream().filter(r -> !r.write()).mapToDouble(r -> ms(r.completed() - r.received())).max().orElse(0);
    double create = audit.matching(r -> r.who().equals(who) && r.namespace().equals(ns) && r.received() == lastCreated)
        .stream().mapToDouble(r -> ms(r.completed() - r.received())).max().orElse(0);
    double total = ms(lastCreated - available);
    double toFirst = ms(first - available);
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("totalMs", total);
    b.put("availableToFirstRequestMs", toFirst);
    b.put("statusWritesAtServerMs", status);
    b.put("readsAtServerMs", reads);
    b.put("createAtServerMs", create);
    b.put("controllerOwnMs", total - toFirst - status - reads);
    b.put("requestsInWindow", window.size());
    return b;
  }

  private static double median(List<Map<String, Object>> runs, String key) {
    return percentile(runs.stream().map(m -> ((Number) m.get(key)).doubleValue()).toList(), 50);
  }

  // ---- (6) steady state ----

  private void steady() throws InterruptedException {
    System.out.printf("%n(6) steady state: %d s with nothing changing%n", o.steadySeconds);
    long t0 = audit.lastCompleted();
    double load0 = load();
    Map<String, Long> cpu0 = cpu.snapshot();
    Thread.sleep(TimeUnit.SECONDS.toMillis(o.steadySeconds));
    long t1 = audit.lastCompleted();
    Map<String, Long> cpuUsed = ProcCpu.delta(cpu0, cpu.snapshot());
    Predicate<AuditLog.Request> window = r -> r.who().equals(AuditLog.OPERATOR) && r.received() > t0 && r.received() <= t1;
    Map<String, Long> requests = audit.counts(window);
    long leaseWrites = audit.matching(r -> window.test(r) && r.write() && r.resource().equals("leases")).size();
    long writes = audit.matching(r -> window.test(r) && r.write() && !r.resource().equals("leases")).size();
    long all = audit.matching(window).size();
    double seconds = (t1 - t0) / 1e6;
    ObjectNode j = report.root.putObject("steadyReal");
    j.put("seconds", seconds);
    j.put("operatorWritesWithoutLease", writes);
    j.put("operatorLeaseWrites", leaseWrites);
    j.put("operatorRequests", all);
    j.put("operatorRequestsPerSecond", all / seconds);
    j.put("loadAverage", load0);
    j.set("requests", Report.JSON.valueToTree(requests));
    j.set("cpuMs", Report.JSON.valueToTree(cpuUsed));
    String fig = "6 steady " + o.steadySeconds + " s (real)";
    report.row(fig, "operator writes (its Lease apart)", writes + " (+" + leaseWrites + " Lease renewals)", "0", writes == 0);
    report.row(fig, "operator requests per second", f2(all / seconds), "", null);
    report.row(fig, "operator CPU (ms)", String.valueOf(cpuUsed.getOrDefault(AuditLog.OPERATOR, -1L)), "", null);
  }

  // ---- (7) writes per service bring-up ----

  private void writes() {
    System.out.println("\n(7) the operator's writes per service bring-up, at the API server");
    ObjectNode j = report.root.putObject("writesPerService");
    for (String ns : List.of("bench-latency", "bench-chain", "bench-dag")) {
      long services = audit.countAvailable(ns);
      if (services == 0) {
        continue;
      }
      Predicate<AuditLog.Request> op = r -> r.who().equals(AuditLog.OPERATOR) && r.namespace().equals(ns) && r.write();
      long status = audit.matching(r -> op.test(r) && r.resource().equals("runnergroups") && r.subresource().equals("status")).size();
      long group = audit.matching(r -> op.test(r) && r.resource().equals("runnergroups") && r.subresource().isEmpty()).size();
      long deployments = audit.matching(r -> op.test(r) && r.resource().equals("deployments")).size();
      long events = audit.matching(r -> op.test(r) && r.resource().equals("events")).size();
      long other = audit.matching(op).size() - status - group - deployments - events;
      ObjectNode n = j.putObject(ns);
      n.put("services", services);
      n.put("statusWrites", status);
      n.put("groupWrites", group);
      n.put("deploymentWrites", deployments);
      n.put("eventWrites", events);
      n.put("otherWrites", other);
      double without = (status + group + deployments + other) / (double) services;
      n.put("writesPerServiceWithoutEvents", without);
      String fig = "7 writes per service, " + ns + " (real)";
      report.row(fig, "status / Deployment / group / Events per service", f2(status / (double) services) + " / "
          + f2(deployments / (double) services) + " / " + f2(group / (double) services) + " / "
          + f2(events / (double) services), "", null);
      report.row(fig, "writes per service without Events", f2(without), "<= 3", without <= 3);
    }
  }

  // ---- helpers ----

  void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.timeoutSeconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + o.timeoutSeconds + " s waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  static long nowMicros() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  long stoppedAtMicros() {
    return stoppedAtMicros;
  }

  static double ms(long micros) {
    return micros / 1000.0;
  }

  static double load() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

}
