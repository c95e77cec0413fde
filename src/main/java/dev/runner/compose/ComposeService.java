package dev.runner.compose;

import java.util.List;
import java.util.Map;

/**
 * One Compose service after the files are merged and interpolated, with the keys the conversion
 * maps in their long syntax; {@code unmapped} holds the names of the keys it has no field for.
 *
 * @param name the service's name as written in the file
 * @param entrypoint {@code null} when not set (the image's own); likewise {@code command}
 * @param environment {@code env_file} then {@code environment}, the later winning; a variable
 *     without a value that is not in the environment is left out, as Compose does
 * @param replicas {@code deploy.replicas} (or the older {@code scale}), {@code null} when not set
 */
public record ComposeService(
    String name,
    String image,
    boolean build,
    List<String> entrypoint,
    List<String> command,
    Map<String, String> environment,
    String workingDir,
    String user,
    List<Port> ports,
    List<Port> expose,
    Healthcheck healthcheck,
    Map<String, Dependency> dependsOn,
    String restart,
    RestartPolicy restartPolicy,
    Integer replicas,
    Resources limits,
    Resources reservations,
    List<Mount> volumes,
    Map<String, String> labels,
    List<String> profiles,
    List<String> unmapped) {

  /** A container port: {@code published} is the host's side ("" when none). */
  public record Port(int target, String published, String protocol) {}

  /**
   * {@code test} is the list form ({@code CMD ...}, {@code CMD-SHELL cmd} or {@code NONE}); {@code null} when
   * not set; durations as written ({@code 30s}, {@code 1m30s}), {@code null} when not set.
   */
  public record Healthcheck(boolean disable, List<String> test, String interval, String timeout, Integer retries,
      String startPeriod, String startInterval) {}

  public enum Condition { service_started, service_healthy, service_completed_successfully }

  public record Dependency(Condition condition, boolean required, boolean restart) {}

  /** {@code deploy.restart_policy}; every field {@code null} when not set. */
  public record RestartPolicy(String condition, String delay, Integer maxAttempts, String window) {}

  /** {@code deploy.resources.limits} or {@code .reservations}; {@code other} names what is not mapped (pids, devices). */
  public record Resources(String cpus, String memory, List<String> other) {}

  public enum MountType { volume, bind, tmpfs, other }

  /** A {@code volumes} entry: {@code source} empty for an anonymous volume. */
  public record Mount(MountType type, String source, String target, boolean readOnly) {}
}
