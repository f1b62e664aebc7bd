package io.jbroker.node;

import io.jbroker.node.cli.AdminCommand;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jbroker} command: {@code node} runs a node, {@code admin} talks to one, {@code
 * version} prints the version. Exit codes: {@link ExitCodes}.
 */
@Command(name = "jbroker", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
    description = "jbroker: Zeek's Broker in Java — run a node (node), administer one (admin), measure the "
        + "admin API (bench).",
    subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    int code = run(args, System.getenv(), System.out, System.err);
    System.exit(code);
  }

  /** Runs the command line with the given environment and streams; returns the exit code. */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    CommandLine cl = commandLine(env, out, err);
    return cl.execute(args);
  }

  static CommandLine commandLine(Map<String, String> env, PrintStream out, PrintStream err) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.addSubcommand("node", new NodeCommand(env, err));
    CommandLine admin = AdminCommand.commandLine(env, out, err);
    AdminCommand adminCommand = admin.getCommand();
    cl.addSubcommand("admin", admin);
    cl.addSubcommand("bench", new io.jbroker.node.bench.BenchCommand());
    cl.addSubcommand("version", new VersionCommand(out));
    cl.setExecutionExceptionHandler((e, cmd, parseResult) -> {
      for (CommandLine c = cmd; c != null; c = c.getParent()) {
        if (c == admin) {
          return adminCommand.failed(e);
        }
      }
      err.println("jbroker: " + e);
      return ExitCodes.FAILURE;
    });
    cl.setExecutionStrategy(parseResult -> {
      try {
        return new CommandLine.RunLast().execute(parseResult);
      } finally {
        adminCommand.closeClient();
      }
    });
    return cl;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: node, admin or version");
  }

  /** {@code jbroker version}. */
  @Command(name = "version", description = "Prints jbroker's version.")
  static final class VersionCommand implements Runnable {
    private final PrintStream out;

    VersionCommand(PrintStream out) {
      this.out = out;
    }

    @Override
    public void run() {
      out.println("jbroker " + Version.get());
    }
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"jbroker " + Version.get()};
    }
  }
}
