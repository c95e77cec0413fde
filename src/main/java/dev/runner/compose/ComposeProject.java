package dev.runner.compose;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Compose application as {@code docker compose} sees it after reading its files: merged in order,
 * interpolated, the profiles applied.
 *
 * @param name the project name Compose would use (see {@link ComposeReader}), not yet a DNS label
 * @param directory the project directory: the first file's
 * @param services the enabled services, in the order of the files
 * @param disabled the services left out because none of their profiles is enabled
 * @param volumes the top-level {@code volumes} names
 * @param findings what reading found: unset variables, top-level keys that are not mapped
 */
public record ComposeProject(
    String name,
    Path directory,
    Map<String, ComposeService> services,
    List<String> disabled,
    List<String> volumes,
    List<Finding> findings) {}
