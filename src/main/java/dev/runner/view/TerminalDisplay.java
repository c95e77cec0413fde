package dev.runner.view;

import dev.runner.api.RunnerGroupStatus;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;

/**
 * For a terminal: the group's table of services, and below it the timeline of its events, redrawn
 * in place with ANSI escapes. Line wrap is switched off while it draws, so a long line is cut at
 * the screen's edge instead of taking two rows (the redraw counts rows); the timeline shows its
 * latest lines that fit the screen.
 */
public final class TerminalDisplay implements Display {
  private static final String ESC = ServiceTable.ESC;
  private static final String RESET = ServiceTable.RESET;
  private static final String BOLD = ServiceTable.BOLD;
  private static final String DIM = ServiceTable.DIM;
  private static final String YELLOW = ServiceTable.YELLOW;
  private static final String CYAN = ServiceTable.CYAN;
  private static final ServiceTable TABLE = new ServiceTable(true);

  private final PrintWriter out;
  private final Display.Group group;
  private final Function<Duration, String> stamp;
  private final int rows;
  private final List<String> timeline = new ArrayList<>();
  private final Thread restoreOnExit;
  private RunnerGroupStatus status;
  private Duration now = Duration.ZERO;
  private int drawn;
  private boolean closed;

  /** With the demo's clock: the time since the group was applied, {@code +1.234s}. */
  public TerminalDisplay(PrintWriter out, Display.Group group) {
    this(out, group, Display::time);
  }

  /** @param stamp how a time since the start is shown */
  public TerminalDisplay(PrintWriter out, Display.Group group, Function<Duration, String> stamp) {
    this.out = out;
    this.group = group;
    this.stamp = stamp;
    this.rows = terminalRows();
    // Wrap off, cursor hidden; both come back on exit, also on Ctrl-C.
    out.print(ESC + "?7l" + ESC + "?25l");
    out.flush();
    restoreOnExit = new Thread(() -> {
      out.print(RESET + ESC + "?7h" + ESC + "?25h");
      out.flush();
    }, "demo-terminal-restore");
    Runtime.getRuntime().addShutdownHook(restoreOnExit);
  }

  @Override
  public void status(RunnerGroupStatus status, Duration at) {
    this.status = status;
    this.now = at;
    draw();
  }

  @Override
  public void event(String type, String reason, String message, Duration at) {
    String color = "Warning".equals(type) ? YELLOW : "";
    timeline.add(DIM + stamp.apply(at) + RESET + " " + color + reason + (color.isEmpty() ? "" : RESET) + ": " + message);
    this.now = at;
    draw();
  }

  @Override
  public void note(String message, Duration at) {
    timeline.add(DIM + stamp.apply(at) + RESET + " " + CYAN + message + RESET);
    this.now = at;
    draw();
  }

  @Override
  public void tick(Duration at) {
    this.now = at;
    draw();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    draw();
    out.print(RESET + ESC + "?7h" + ESC + "?25h");
    out.flush();
    try {
      Runtime.getRuntime().removeShutdownHook(restoreOnExit);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs anyway
    }
  }

  private void draw() {
    List<String> lines = new ArrayList<>(table());
    lines.add("");
    int room = Math.max(5, rows - lines.size() - 2);
    lines.add(BOLD + "Events" + RESET + (timeline.size() > room ? DIM + " (" + (timeline.size() - room) + " earlier not shown)" + RESET : ""));
    lines.addAll(timeline.subList(Math.max(0, timeline.size() - room), timeline.size()));
    StringBuilder frame = new StringBuilder();
    if (drawn > 0) {
      frame.append('\r').append(ESC).append(drawn).append('A');
    }
    for (String line : lines) {
      frame.append(line).append(ESC).append('K').append('\n');
    }
    frame.append(ESC).append('J');
    out.print(frame);
    out.flush();
    drawn = lines.size();
  }

  private List<String> table() {
    List<String> lines = new ArrayList<>();
    lines.add(TABLE.header(group, status, DIM + stamp.apply(now) + RESET));
    lines.addAll(TABLE.rows(group, status, Instant.now()));
    return lines;
  }

  /** The terminal's height from {@code stty size}, else 24. */
  private static int terminalRows() {
    try {
      Process p = new ProcessBuilder("sh", "-c", "stty size < /dev/tty").redirectErrorStream(true).start();
      if (p.waitFor(1, TimeUnit.SECONDS) && p.exitValue() == 0) {
        String[] size = new String(p.getInputStream().readAllBytes()).trim().split("\\s+");
        int rows = Integer.parseInt(size[0]);
        if (rows > 0) {
          return rows;
        }
      } else {
        p.destroy();
      }
    } catch (Exception e) {
      // not a Unix terminal: assume the classic size
    }
    return 24;
  }
}
