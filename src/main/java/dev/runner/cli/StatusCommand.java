package dev.runner.cli;

import dev.runner.api.RunnerGroup;
import dev.runner.view.GraphPicture;
import dev.runner.view.QuietLogs;
import dev.runner.view.StatusReport;
import dev.runner.view.StatusWatch;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code runner-operator status}: what the operator wrote about a group, read from any cluster. */
@Command(
    name = "status",
    description = {
        "Show a RunnerGroup as the operator sees it, from the cluster of KUBECONFIG (as `run` finds it): its phase, "
            + "each service's phase, ready replicas, restarts, what it waits for, its next restart and its error, "
            + "then the group's latest events.",
        "Without GROUP: one line per group in the namespace (-A: in all namespaces).",
        "--watch follows the group through watches: on a terminal the table is redrawn in place; otherwise "
            + "(or with --plain) every change is one line, stamped with the time (UTC). It ends when the group "
            + "is deleted, or with Ctrl-C.",
        "Also a kubectl plugin: with bin/kubectl-runner on the PATH, `kubectl runner status GROUP`."},
    usageHelpAutoWidth = true,
    footerHeading = "%nExamples:%n",
    footer = {
        "  status                          the groups of the current namespace",
        "  status -A                       the groups of every namespace",
        "  status shop -n prod             one group: services and events",
        "  status shop --watch             follow it",
        "  status shop -o mermaid          its graph, each service coloured by its phase"},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
        "0:shown (whatever the group's phase), or the watch ended",
        "1:the group does not exist",
        "2:the command line is wrong, or the cluster cannot be reached or read (one line on stderr)"})
final class StatusCommand implements Callable<Integer> {
  static final int SHOWN = 0;
  static final int NOT_FOUND = 1;
  static final int UNUSABLE = 2;

  enum Format { table, mermaid }

  @Parameters(arity = "0..1", paramLabel = "GROUP", description = "A RunnerGroup's name. Default: a summary of every group.")
  String name;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
      description = "The namespace. Default: the kubeconfig context's, else default.")
  String namespace;

  @Option(names = {"-A", "--all-namespaces"}, description = "Every namespace (without GROUP only).")
  boolean allNamespaces;

  @Option(names = {"-w", "--watch"}, description = "Follow the changes (through watches, no polling) until Ctrl-C.")
  boolean watch;

  @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
      description = "table (default) or mermaid: the group's dependency graph, each service coloured by its phase "
          + "(with GROUP, without --watch).")
  Format output;

  @Option(names = "--plain", description = "No colours, and with --watch timestamped lines, even on a terminal.")
  boolean plain;

  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "Kubeconfig file. Default: fabric8's lookup (KUBECONFIG, ~/.kube/config, or the in-cluster service account).")
  File kubeconfig;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    if (allNamespaces && name != null) {
      throw new ParameterException(spec.commandLine(), "-A/--all-namespaces shows every group: it takes no GROUP (use -n NS)");
    }
    if (allNamespaces && namespace != null) {
      throw new ParameterException(spec.commandLine(), "-A/--all-namespaces and -n/--namespace exclude each other");
    }
    if (output == Format.mermaid && (name == null || watch)) {
      throw new ParameterException(spec.commandLine(), "--output mermaid draws one group: give GROUP, without --watch");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean terminal = !plain && System.console() != null && !"dumb".equals(System.getenv("TERM"));
    String url = null;
    try (QuietLogs quiet = QuietLogs.silent(); KubernetesClient client = client()) {
      url = client.getConfiguration().getMasterUrl();
      String ns = allNamespaces ? null : namespace != null ? namespace : client.getNamespace() != null ? client.getNamespace() : "default";
      return show(client, ns, terminal, out, err);
    } catch (KubernetesClientException e) {
      err.println("status: " + problem(e, url));
      err.flush();
      return UNUSABLE;
    } catch (IllegalArgumentException | IllegalStateException e) {
      // fabric8's own checks of the kubeconfig (no server, an unreadable file, ...)
      err.println("status: cannot use the kubeconfig: " + e.getMessage());
      err.flush();
      return UNUSABLE;
    }
  }

  private int show(KubernetesClient client, String ns, boolean terminal, PrintWriter out, PrintWriter err) {
    if (name == null) {
      List<RunnerGroup> groups = ns == null ? client.resources(RunnerGroup.class).inAnyNamespace().list().getItems()
          : client.resources(RunnerGroup.class).inNamespace(ns).list().getItems();
      if (watch) {
        return new StatusWatch(client, out, terminal).summary(ns);
      }
      if (groups.isEmpty()) {
        out.println("No RunnerGroups in " + (ns == null ? "any namespace" : "namespace " + ns) + ".");
      } else {
        new StatusReport(terminal).summary(groups, ns == null, Instant.now()).forEach(out::println);
      }
      out.flush();
      return SHOWN;
    }
    RunnerGroup group = client.resources(RunnerGroup.class).inNamespace(ns).withName(name).get();
    if (group == null) {
      err.println("status: RunnerGroup " + ns + "/" + name + " not found");
      err.flush();
      return NOT_FOUND;
    }
    if (output == Format.mermaid) {
      out.print(GraphPicture.mermaid(StatusReport.graph(group)));
      out.flush();
      return SHOWN;
    }
    if (watch) {
      return new StatusWatch(client, out, terminal).group(group);
    }
    List<Event> events = client.v1().events().inNamespace(ns).list().getItems();
    new StatusReport(terminal).group(group, events, Instant.now()).forEach(out::println);
    out.flush();
    return SHOWN;
  }

  /** A client that fails fast: a CLI says it cannot reach the cluster instead of retrying for a minute. */
  private KubernetesClient client() {
    Config config = kubeconfig != null ? Config.fromKubeconfig(kubeconfig) : Config.autoConfigure(null);
    config.setRequestRetryBackoffLimit(0);
    config.setConnectionTimeout(10_000);
    config.setRequestTimeout(30_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** One line on what went wrong, for the user: no stack trace. */
  static String problem(KubernetesClientException e, String url) {
    String server = url == null ? "" : " at " + url;
    return switch (e.getCode()) {
      case 401 -> "the cluster" + server + " does not accept these credentials: " + e.getStatus().getMessage();
      case 403 -> "not allowed: " + (e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage());
      case 404 -> "the cluster" + server + " does not serve RunnerGroups (runner.dev/v1alpha1): is the CRD installed?";
      case 0, -1 -> "cannot reach the cluster" + server + ": " + rootCause(e);
      default -> "the cluster" + server + " answered " + e.getCode() + ": "
          + (e.getStatus() == null || e.getStatus().getMessage() == null ? e.getMessage() : e.getStatus().getMessage());
    };
  }

  private static String rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    String message = cause.getMessage();
    return cause == e ? String.valueOf(message) : cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
