package dev.runner.cli;

import dev.runner.core.Durations;
import dev.runner.view.Simulation;
import dev.runner.view.Simulation.Crash;
import dev.runner.view.Simulation.PullError;
import dev.runner.view.Simulation.Startup;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The values of {@code demo}'s simulation options, parsed into {@link Simulation}'s records. */
final class SimulationConverters {
  private SimulationConverters() {}

  private static final Pattern SERVICE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern CRASH = Pattern.compile("([^=]+)=(-?\\d+)(?:x(\\d+))?(?:@(\\S+))?");

  private static String service(String value, String name) {
    if (!SERVICE.matcher(name).matches()) {
      throw new TypeConversionException("\"" + value + "\": \"" + name + "\" is not a service name");
    }
    return name;
  }

  private static Duration duration(String value, String text) {
    try {
      return Durations.parse("duration", text);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException("\"" + value + "\": \"" + text + "\" is not a duration (use e.g. 500ms, 2s, 1m30s)");
    }
  }

  static final class StartupConverter implements ITypeConverter<Startup> {
    @Override
    public Startup convert(String value) {
      int eq = value.indexOf('=');
      if (eq < 0) {
        return new Startup(null, duration(value, value));
      }
      return new Startup(service(value, value.substring(0, eq)), duration(value, value.substring(eq + 1)));
    }
  }

  static final class CrashConverter implements ITypeConverter<Crash> {
    @Override
    public Crash convert(String value) {
      Matcher m = CRASH.matcher(value);
      if (!m.matches()) {
        throw new TypeConversionException("\"" + value + "\" is not SERVICE=CODE[xTIMES][@AFTER] (e.g. api=1x2, worker=1, api=137@3s)");
      }
      String name = service(value, m.group(1));
      int code;
      try {
        code = Integer.parseInt(m.group(2));
      } catch (NumberFormatException e) {
        code = -1;
      }
      if (code < 0 || code > 255) {
        throw new TypeConversionException("\"" + value + "\": the exit code must be 0 to 255");
      }
      int times = -1;
      if (m.group(3) != null) {
        try {
          times = Integer.parseInt(m.group(3));
        } catch (NumberFormatException e) {
          times = 0;
        }
        if (times < 1 || times > 1000) {
          throw new TypeConversionException("\"" + value + "\": TIMES must be 1 to 1000 (leave out xTIMES to crash on every start)");
        }
      }
      Duration after = m.group(4) == null ? Simulation.DEFAULT_CRASH_AFTER : duration(value, m.group(4));
      return new Crash(name, code, times, after);
    }
  }

  static final class PullErrorConverter implements ITypeConverter<PullError> {
    @Override
    public PullError convert(String value) {
      int eq = value.indexOf('=');
      String name = service(value, eq < 0 ? value : value.substring(0, eq));
      String message = eq < 0 || value.substring(eq + 1).isBlank() ? "manifest unknown" : value.substring(eq + 1);
      return new PullError(name, message);
    }
  }

  static final class ServiceNameConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      return service(value, value);
    }
  }
}
