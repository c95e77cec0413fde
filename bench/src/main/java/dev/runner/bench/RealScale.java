package dev.runner.bench;

import static dev.runner.bench.Report.f1;
import static dev.runner.bench.Report.f2;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.it.OperatorProcess;
import dev.runner.it.RealApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * (4) scale and (5) the operator's restart at scale, on the real control plane: {@code --groups}
 * groups of {@code --services} services (service i depends on (i-1)/2), instant startup, applied at
 * once on enough kwok Nodes; then SIGTERM the operator and start it again.
 */
final class RealScale {
  private static final String NS = "bench-scale";
  private final Options o;
  private final Report report;
  private final RealApiServer server;
  private final AuditLog audit;
  private final KubernetesClient client;
  private final ProcCpu cpu;
  private final Supplier<OperatorProcess> restart;
  private final java.util.function.LongSupplier stoppedAt;
  private final OperatorProcess operator;

  RealScale(Options o, Report report, RealApiServer server, AuditLog audit, KubernetesClient client, ProcCpu cpu,
      OperatorProcess operator, Supplier<OperatorProcess> restart, java.util.function.LongSupplier stoppedAt) {
    this.o = o;
    this.report = report;
    this.server = server;
    this.audit = audit;
    this.client = client;
    this.cpu = cpu;
    this.operator = operator;
    this.restart = restart;
    this.stoppedAt = stoppedAt;
  }

  void run() throws InterruptedException, IOException {
    int services = o.groups * o.services;
    System.out.printf("%n(4) scale: %d groups x %d services = %d Deployments and Pods on kwok Nodes%n", o.groups,
        o.services, services);
    server.controlPlane().addNodes("kwok-scale-", Math.max(1, (services + 999) / 1000), 1000);
    server.controlPlane().pods().defaults(dev.runner.sandbox.Behavior.DEFAULT);
    double load0 = RealBench.load();
    Map<String, Long> cpu0 = cpu.snapshot();
    long start = System.nanoTime();
    List<String> names = new ArrayList<>();
    for (int g = 0; g < o.groups; g++) {
      List<String[]> list = new ArrayList<>();
      for (int s = 0; s < o.services; s++) {
        list.add(s == 0 ? Groups.svc("s0") : Groups.svc("s" + s, "s" + ((s - 1) / 2)));
      }
      String name = String.format("g%04d", g);
      names.add(name);
      client.resource(Groups.runnerGroup(NS, name, list)).create();
    }
    long deadline = start + TimeUnit.SECONDS.toNanos(o.scaleTimeoutSeconds);
    long lastPrint = System.nanoTime();
    while (audit.countHealthy(NS) < o.groups && System.nanoTime() < deadline) {
      Thread.sleep(200);
      if (System.nanoTime() - lastPrint > TimeUnit.SECONDS.toNanos(15)) {
        lastPrint = System.nanoTime();
        System.out.printf("  ... %.0f s: %d/%d groups healthy, %d/%d Deployments available, load %.2f%n",
            (lastPrint - start) / 1e9, audit.countHealthy(NS), o.groups, audit.countAvailable(NS), services, RealBench.load());
      }
    }
    long healthyGroups = audit.countHealthy(NS);
    boolean complete = healthyGroups == o.groups;
    Map<String, Long> used = ProcCpu.delta(cpu0, cpu.snapshot());
    long first = names.stream().map(n -> audit.applied(NS, n)).filter(java.util.Objects::nonNull).mapToLong(Long::longValue)
        .min().orElse(0);
    long last = names.stream().map(n -> audit.healthy(NS, n)).filter(java.util.Objects::nonNull).mapToLong(Long::longValue)
        .max().orElse(0);
    double wall = RealBench.ms(last - first);
    long heap = OperatorHeap.afterFullGc(operator.pid());
    List<Map<String, Object>> histogram = OperatorHeap.histogram(operator.pid(), 30);
    if (o.heapDump != null) {
      System.out.println("  " + OperatorHeap.dump(operator.pid(), o.heapDump).trim());
    }
    double load1 = RealBench.load();
    long controlPlaneCpu = used.entrySet().stream().filter(e -> List.of("etcd", "kube-apiserver",
        "kube-controller-manager", "kube-scheduler", "kwok").contains(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    long opCpu = used.getOrDefault(AuditLog.OPERATOR, -1L);
    ObjectNode j = report.root.putObject("scaleReal");
    j.put("groups", o.groups);
    j.put("services", services);
    j.put("complete", complete);
    j.put("healthyGroups", healthyGroups);
    j.put("applyToAllHealthyMs", wall);
    j.put("operatorHeapAfterFullGcBytes", heap);
    j.set("operatorHeapHistogram", Report.JSON.valueToTree(histogram));
    j.put("operatorCpuMs", opCpu);
    j.put("controlPlaneCpuMs", controlPlaneCpu);
    j.set("cpuMs", Report.JSON.valueToTree(used));
    j.put("loadAverageAtStart", load0);
    j.put("loadAverageAtEnd", load1);
    String fig = "4 scale " + o.groups + "x" + o.services + " (real)";
    report.row(fig, "apply -> all healthy (s)", f2(wall / 1000) + (complete ? "" : " (INCOMPLETE: " + healthyGroups + ")"),
        "", complete ? null : false);
    report.row(fig, "CPU s: operator / control plane", f1(opCpu / 1000.0) + " / " + f1(controlPlaneCpu / 1000.0)
        + " (operator " + f1(100.0 * opCpu / Math.max(1, opCpu + controlPlaneCpu)) + "%)", "operator not the bound",
        opCpu < controlPlaneCpu);
    report.row(fig, "operator heap after a full GC (MiB)", f1(heap / 1048576.0), "< 256 MiB", heap < 256L * 1048576);
    histogram.stream().limit(8).forEach(row -> System.out.printf("  heap: %,12d B %,9d x %s%n", row.get("bytes"),
        row.get("instances"), row.get("class")));
    report.row(fig, "load average start / end", f2(load0) + " / " + f2(load1), "", null);
    if (complete) {
      resync();
    }
  }

  /** (5) SIGTERM, start again: until every group was reconciled; the operator's writes meanwhile. */
  private void resync() throws InterruptedException {
    System.out.println("\n(5) operator restart at scale: SIGTERM, start again, resync");
    long before = audit.lastCompleted();
    long t = System.nanoTime();
    OperatorProcess fresh = restart.get();
    long started = System.nanoTime();
    long deadline = started + TimeUnit.SECONDS.toNanos(600);
    // Every group of the run, not only this figure's: the new operator reconciles them all.
    int groups = client.resources(dev.runner.api.RunnerGroup.class).inAnyNamespace().list().getItems().size();
    int reconciles;
    while ((reconciles = fresh.reconciles()) < groups && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    long done = System.nanoTime();
    Thread.sleep(2000); // what the resync writes right after the last reconcile counts too
    long after = audit.lastCompleted();
    // The restarted operator's writes: from the old one's exit on. Before it, the stopping operator
    // still sends the Events it had queued (its sender is asynchronous): counted apart.
    long exited = stoppedAt.getAsLong();
    Predicate<AuditLog.Request> window = r -> r.who().equals(AuditLog.OPERATOR) && r.received() > exited
        && r.received() <= after && r.write() && !r.resource().equals("leases");
    long drained = audit.matching(r -> r.who().equals(AuditLog.OPERATOR) && r.received() > before
        && r.received() <= exited && r.write() && !r.resource().equals("leases")).size();
    Map<String, Long> writes = audit.counts(window);
    long writeCount = writes.values().stream().mapToLong(Long::longValue).sum();
    long deploymentWrites = audit.matching(r -> window.test(r) && r.resource().equals("deployments")).size();
    ObjectNode j = report.root.putObject("restartReal");
    j.put("stopAndStartMs", (started - t) / 1e6);
    j.put("startedToAllReconciledMs", (done - started) / 1e6);
    j.put("reconciles", reconciles);
    j.put("groupsInTheCluster", groups);
    j.put("operatorWritesWithoutLease", writeCount);
    j.put("deploymentWrites", deploymentWrites);
    j.put("stoppingOperatorWritesAfterAllHealthy", drained);
    j.set("writes", Report.JSON.valueToTree(writes));
    String fig = "5 restart at scale (real)";
    report.row(fig, "ready -> every group reconciled (s)", f2((done - started) / 1e9) + " (+ " + f2((started - t) / 1e9)
        + " s stop and start), " + groups + " groups", "< 60 s", reconciles >= groups && (done - started) < TimeUnit.SECONDS.toNanos(60));
    report.row(fig, "restarted operator's writes (Lease apart)", writeCount + " (the stopping one's queued: " + drained + ")",
        "0", writeCount == 0);
    report.row(fig, "Deployment writes (a restarted service would be one)", String.valueOf(deploymentWrites), "0",
        deploymentWrites == 0);
  }
}
