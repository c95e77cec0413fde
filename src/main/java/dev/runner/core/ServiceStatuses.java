package dev.runner.core;

import dev.runner.api.ExitRecord;
import dev.runner.api.ServiceStatus;
import java.util.ArrayList;

/** Copies of status values, so a decision never changes the status it was given. */
final class ServiceStatuses {
  private ServiceStatuses() {}

  static ServiceStatus copy(ServiceStatus from) {
    ServiceStatus to = new ServiceStatus();
    if (from == null) {
      return to;
    }
    to.setHealthy(from.isHealthy());
    to.setRunning(from.isRunning());
    to.setError(from.getError());
    to.setPhase(from.getPhase());
    to.setWaitingFor(new ArrayList<>(from.getWaitingFor()));
    to.setReadyReplicas(from.getReadyReplicas());
    to.setRestarts(from.getRestarts());
    to.setLastExit(copy(from.getLastExit()));
    to.setNextRestartAt(from.getNextRestartAt());
    to.setDependenciesMetAt(from.getDependenciesMetAt());
    to.setStartedAt(from.getStartedAt());
    to.setHealthySince(from.getHealthySince());
    to.setReason(from.getReason());
    to.setLastDisruption(copy(from.getLastDisruption()));
    to.setCountedExits(new ArrayList<>(from.getCountedExits()));
    to.setRestartRequest(from.getRestartRequest());
    return to;
  }

  static ExitRecord copy(ExitRecord from) {
    if (from == null) {
      return null;
    }
    ExitRecord to = new ExitRecord();
    to.setCode(from.getCode());
    to.setReason(from.getReason());
    to.setAt(from.getAt());
    to.setPod(from.getPod());
    to.setContainer(from.getContainer());
    to.setRestartCount(from.getRestartCount());
    return to;
  }
}
