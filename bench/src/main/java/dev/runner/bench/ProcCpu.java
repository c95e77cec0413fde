package dev.runner.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of the processes of a run, from {@code /proc/PID/stat} (utime + stime, clock ticks of
 * 10 ms: {@code getconf CLK_TCK} is 100 on Linux x86-64).
 */
final class ProcCpu {
  private static final long MS_PER_TICK = 10;

  private final Map<String, Long> pids = new LinkedHashMap<>();

  /** Names a process; a later name for the same role replaces it (a restarted operator). */
  ProcCpu track(String name, long pid) {
    pids.put(name, pid);
    return this;
  }

  /** The CPU used so far by each tracked process, in ms (-1 when it is gone). */
  Map<String, Long> snapshot() {
    Map<String, Long> m = new LinkedHashMap<>();
    pids.forEach((name, pid) -> m.put(name, cpuMillis(pid)));
    return m;
  }

  static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> d = new LinkedHashMap<>();
    after.forEach((k, v) -> d.put(k, v < 0 || before.getOrDefault(k, -1L) < 0 ? -1 : v - before.get(k)));
    return d;
  }

  static long cpuMillis(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * MS_PER_TICK; // fields 14 and 15
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
