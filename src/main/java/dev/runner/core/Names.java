package dev.runner.core;

/** The names, labels and annotations by which the operator marks what it owns. */
public final class Names {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String OPERATOR = "runner-operator";
  public static final String GROUP_LABEL = "runner.dev/group";
  public static final String SERVICE_LABEL = "runner.dev/service";
  /** Hash of what the operator wants the Deployment's template to be. */
  public static final String SPEC_HASH = "runner.dev/spec-hash";
  /** The service's dependencies when its Deployment was last written: the stop order survives spec edits. */
  public static final String DEPENDS_ON = "runner.dev/depends-on";
  /** On a RunnerGroup: set it to a new value to reset and start again every Failed or Completed service. */
  public static final String RESTART_ANNOTATION = "runner.dev/restart";
  /** On a RunnerGroup, followed by a service name: set it to a new value to restart that one service. */
  public static final String SERVICE_RESTART_PREFIX = "runner.dev/restart-";

  private Names() {}

  public static String deploymentName(String group, String service) {
    return group + "-" + service;
  }
}
