package dev.runner.core;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The delay before restart attempt n (from 0): min(initial x multiplier^n, max), then, with jitter,
 * spread by +-25 % and capped at max again. The random source is handed in, so tests choose it.
 */
public final class Backoff {
  static final double JITTER = 0.25;
  private final DoubleSupplier random;

  /** {@code random} yields values in [0, 1). */
  public Backoff(DoubleSupplier random) {
    this.random = random;
  }

  public Duration delay(RestartSettings settings, int attempt) {
    long initial = settings.initialBackoff().toNanos();
    long max = settings.maxBackoff().toNanos();
    // In double: a huge attempt number gives infinity, which the min() caps, instead of overflowing.
    double nanos = Math.min(initial * Math.pow(settings.multiplier(), Math.max(0, attempt)), (double) max);
    if (settings.jitter()) {
      double factor = 1 + JITTER * (2 * random.getAsDouble() - 1);
      nanos = Math.min(nanos * factor, (double) max);
    }
    return Duration.ofNanos(Math.max(0, Math.round(nanos)));
  }
}
