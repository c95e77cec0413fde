package dev.runner.core;

import dev.runner.api.RestartConfig;
import dev.runner.api.RestartPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A service's restart configuration with every field resolved: the service's own value, else the
 * group's, else the default (the Go runner's DefaultRestartConfig, plus resetAfter).
 */
public record RestartSettings(
    RestartPolicy policy,
    int maxRetries,
    Duration initialBackoff,
    Duration maxBackoff,
    double multiplier,
    boolean jitter,
    Duration resetAfter) {

  public static final RestartSettings DEFAULTS = new RestartSettings(
      RestartPolicy.OnFailure, 5, Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, true, Duration.ofMinutes(10));

  /** The settings, or the reasons they cannot be resolved. */
  public record Resolution(RestartSettings settings, List<String> errors) {
    public boolean valid() {
      return errors.isEmpty();
    }
  }

  /** maxRetries 0 means unlimited, as in the Go runner. */
  public boolean unlimited() {
    return maxRetries == 0;
  }

  /**
   * Resolves field by field: {@code service} over {@code group} over {@link #DEFAULTS}. Either may
   * be null. {@code where} prefixes error messages (e.g. "service api").
   */
  public static Resolution resolve(RestartConfig group, RestartConfig service, String where) {
    List<String> errors = new ArrayList<>();
    RestartPolicy policy = pick(service, group, RestartConfig::getPolicy, DEFAULTS.policy);
    Integer maxRetries = pick(service, group, RestartConfig::getMaxRetries, DEFAULTS.maxRetries);
    Double multiplier = pick(service, group, RestartConfig::getMultiplier, DEFAULTS.multiplier);
    Boolean jitter = pick(service, group, RestartConfig::getJitter, DEFAULTS.jitter);
    Duration initial = duration(service, group, RestartConfig::getInitialBackoff, "initialBackoff", DEFAULTS.initialBackoff, where, errors);
    Duration max = duration(service, group, RestartConfig::getMaxBackoff, "maxBackoff", DEFAULTS.maxBackoff, where, errors);
    Duration resetAfter = duration(service, group, RestartConfig::getResetAfter, "resetAfter", DEFAULTS.resetAfter, where, errors);
    if (maxRetries < 0) {
      errors.add(where + ": restartConfig.maxRetries must be 0 (unlimited) or more, not " + maxRetries);
    }
    if (multiplier.isNaN() || multiplier < 1) {
      errors.add(where + ": restartConfig.multiplier must be at least 1, not " + multiplier);
    }
    if (initial != null && max != null && max.compareTo(initial) < 0) {
      errors.add(where + ": restartConfig.maxBackoff (" + Durations.format(max)
          + ") must not be shorter than initialBackoff (" + Durations.format(initial) + ")");
    }
    if (!errors.isEmpty()) {
      return new Resolution(null, List.copyOf(errors));
    }
    return new Resolution(new RestartSettings(policy, maxRetries, initial, max, multiplier, jitter, resetAfter), List.of());
  }

  private static <T> T pick(RestartConfig service, RestartConfig group, Function<RestartConfig, T> field, T fallback) {
    if (service != null && field.apply(service) != null) {
      return field.apply(service);
    }
    if (group != null && field.apply(group) != null) {
      return field.apply(group);
    }
    return fallback;
  }

  private static Duration duration(RestartConfig service, RestartConfig group, Function<RestartConfig, String> field,
      String name, Duration fallback, String where, List<String> errors) {
    String text = pick(service, group, field, null);
    if (text == null) {
      return fallback;
    }
    try {
      return Durations.parse("restartConfig." + name, text);
    } catch (IllegalArgumentException e) {
      errors.add(where + ": " + e.getMessage());
      return null;
    }
  }
}
