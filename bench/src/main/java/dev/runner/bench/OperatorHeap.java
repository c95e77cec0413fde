package dev.runner.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The heap a JVM uses after a full GC: {@code jcmd PID GC.run}, then {@code GC.heap_info}. */
final class OperatorHeap {
  private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

  private OperatorHeap() {}

  static long afterFullGc(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    // One line per generation with the serial collector (the operator's, as dev.runner.it starts it),
    // one for the whole heap with G1: "... total 10944K, used 6000K [...". Metaspace has no "total".
    Matcher m = HEAP_USED.matcher(info);
    long used = 0;
    boolean found = false;
    while (m.find()) {
      used += Long.parseLong(m.group(1)) * 1024;
      found = true;
    }
    if (!found) {
      throw new IllegalStateException("no heap figure in jcmd GC.heap_info: " + info);
    }
    return used;
  }

  /**
   * The classes holding the most of the heap, live objects only ({@code jcmd PID GC.class_histogram}
   * collects first): up to {@code top} rows of instances and bytes, largest first.
   */
  static List<java.util.Map<String, Object>> histogram(long pid, int top) throws IOException, InterruptedException {
    String out = jcmd(pid, "GC.class_histogram");
    List<java.util.Map<String, Object>> rows = new java.util.ArrayList<>();
    // "   1:         12345        6789012  java.lang.String (java.base@17)"
    Matcher m = HISTOGRAM_ROW.matcher(out);
    while (m.find() && rows.size() < top) {
      java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
      row.put("class", m.group(3));
      row.put("instances", Long.parseLong(m.group(1)));
      row.put("bytes", Long.parseLong(m.group(2)));
      rows.add(row);
    }
    return rows;
  }

  private static final Pattern HISTOGRAM_ROW = Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

  /** Writes the live objects of the heap to {@code file} ({@code jcmd PID GC.heap_dump}). */
  static String dump(long pid, String file) throws IOException, InterruptedException {
    return jcmd(pid, "GC.heap_dump " + Path.of(file).toAbsolutePath());
  }

  private static String jcmd(long pid, String what) throws IOException, InterruptedException {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    List<String> command = new java.util.ArrayList<>(List.of(jcmd, String.valueOf(pid)));
    command.addAll(List.of(what.split(" ")));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }
}
