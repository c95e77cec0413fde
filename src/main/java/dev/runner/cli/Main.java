package dev.runner.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The one jar's commands. A new command is one more class in {@code subcommands}. */
@Command(
    name = "runner-operator",
    description = "Runs a group of services on Kubernetes in dependency order, with restarts and one health.",
    usageHelpAutoWidth = true,
    subcommands = {
        PlanCommand.class,
        ConvertCommand.class,
        RunCommand.class,
        DemoCommand.class,
        StatusCommand.class,
        CommandLine.HelpCommand.class,
    })
public final class Main implements Runnable {
  @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  public static void main(String[] args) {
    CommandLine commandLine = new CommandLine(new Main());
    // A bug of ours, not a user's mistake: say so, with the trace, and an exit code of its own.
    commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
      cl.getErr().println("runner-operator: internal error (please report it): " + e);
      e.printStackTrace(cl.getErr());
      return 3;
    });
    System.exit(commandLine.execute(args));
  }
}
