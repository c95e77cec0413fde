package dev.runner.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Every size of the benchmark; the defaults are the figures of the README. */
@Command(name = "runner-bench", mixinStandardHelpOptions = true,
    description = "Benchmarks runner-operator against fabric8's mock API server and the simulated kubelet, or (--cluster real) "
        + "on a real control plane with kwok nodes, beside kro.")
final class Options {
  @Option(names = "--samples", defaultValue = "200", description = "(1) measured a->b groups (default ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--warmup", defaultValue = "20", description = "(1) groups run first and not counted (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--latency-concurrency", defaultValue = "1",
      description = "(1) groups in flight at once (default ${DEFAULT-VALUE}: one after the other).")
  int latencyConcurrency;

  @Option(names = "--latency-startup-ms", defaultValue = "0", description = "(1) simulated startup time (default ${DEFAULT-VALUE}).")
  long latencyStartupMs;

  @Option(names = "--chain-depth", defaultValue = "10", description = "(2) depth of the chain (default ${DEFAULT-VALUE}).")
  int chainDepth;

  @Option(names = "--dag-levels", defaultValue = "5", description = "(2) levels of the DAG (default ${DEFAULT-VALUE}).")
  int dagLevels;

  @Option(names = "--dag-width", defaultValue = "20", description = "(2) services per DAG level (default ${DEFAULT-VALUE}).")
  int dagWidth;

  // 8: the most direct dependencies a service may have (Limits.DEPENDS_ON_MAX, the CRD's CEL cost bound).
  @Option(names = "--dag-deps", defaultValue = "8",
      description = "(2) dependencies of a DAG service on the previous level, at most 8; 0 = all of them (default ${DEFAULT-VALUE}).")
  int dagDeps;

  @Option(names = "--startup-ms", defaultValue = "200", description = "(2) simulated startup time per service (default ${DEFAULT-VALUE}).")
  long startupMs;

  @Option(names = "--groups", defaultValue = "200", description = "(3) RunnerGroups (default ${DEFAULT-VALUE}).")
  int groups;

  @Option(names = "--services", defaultValue = "10",
      description = "(3) services per group, service i depending on service (i-1)/2 (default ${DEFAULT-VALUE}).")
  int services;

  @Option(names = "--scale-startup-ms", defaultValue = "0", description = "(3) simulated startup time (default ${DEFAULT-VALUE}).")
  long scaleStartupMs;

  @Option(names = "--scale-timeout-s", defaultValue = "1200", description = "(3) give up waiting for all healthy after (default ${DEFAULT-VALUE}).")
  long scaleTimeoutSeconds;

  @Option(names = "--steady-s", defaultValue = "60", description = "(4) quiet period watched after (3) (default ${DEFAULT-VALUE}).")
  long steadySeconds;

  enum Cluster { mock, real }

  @Option(names = "--cluster", defaultValue = "mock",
      description = "mock: fabric8's mock API server and the simulated kubelet (quick); real: etcd, kube-apiserver, "
          + "kube-controller-manager, kube-scheduler and kwok from it/cluster/bin, kro beside (default ${DEFAULT-VALUE}).")
  Cluster cluster;

  @Option(names = "--figures", split = ",",
      description = "Figures to run. mock (default 1,2,3): 1 latency, 2 bring-up, 3 scale (4, steady, follows 3). "
          + "real (default 1,2,3,6,7): the issue's numbering: 1 latency, 2 bring-up, 3 kro beside us, 4 scale "
          + "(5, the restart, follows it), 6 steady state, 7 writes per service.")
  java.util.List<Integer> figures;

  @Option(names = "--runs", defaultValue = "3",
      description = "(real 2, 3) bring-ups of each shape per side, alternating runner and kro (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--kro-binary", defaultValue = "it/kro/bin/kro", description = "(real 3) kro, built by it/kro/build.sh (default ${DEFAULT-VALUE}).")
  String kroBinary;

  @Option(names = "--kro-crds", defaultValue = "it/kro/bin/crds", description = "(real 3) kro's CRDs (default ${DEFAULT-VALUE}).")
  String kroCrds;

  @Option(names = "--jar", defaultValue = "target/runner-operator.jar", description = "The operator's jar (default ${DEFAULT-VALUE}).")
  String jar;

  @Option(names = "--heap-dump", description = "Figure 4 also writes the operator's heap (live objects) to this .hprof file.")
  String heapDump;

  @Option(names = "--operator-jvm-options", defaultValue = "", description = "JVM options of the operator's JVM.")
  String operatorJvmOptions;

  @Option(names = "--operator-log-level", defaultValue = "warn", description = "The operator's --log-level (default ${DEFAULT-VALUE}).")
  String operatorLogLevel;

  @Option(names = "--operator-start-timeout-s", defaultValue = "180", description = "Wait for the operator's /readyz (default ${DEFAULT-VALUE}).")
  long operatorStartTimeoutSeconds;

  @Option(names = "--timeout-s", defaultValue = "120", description = "(1), (2): give up waiting for one bring-up after (default ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Option(names = "--work-dir", defaultValue = "target/bench", description = "Kubeconfigs and operator logs (default ${DEFAULT-VALUE}).")
  String workDir;

  @Option(names = "--results-dir", defaultValue = "bench/results", description = "Where the JSON goes (default ${DEFAULT-VALUE}).")
  String resultsDir;

  @Option(names = "--note", defaultValue = "", description = "Free text stored in the JSON (e.g. the load of the machine).")
  String note;
}
