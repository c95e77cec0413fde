package dev.runner.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * One service's health (the Go runner's per-service HealthStatus) and the times the operator
 * needs after a restart of its own: when dependencies were met, when the service started, when
 * it became healthy, when its next restart is due.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class ServiceStatus {
  private boolean healthy;
  private boolean running;
  private String error = "";
  private ServicePhase phase;
  private List<String> waitingFor = new ArrayList<>();
  private Integer readyReplicas;
  private int restarts;
  private ExitRecord lastExit;
  private String nextRestartAt;
  private String dependenciesMetAt;
  private String startedAt;
  private String healthySince;

  public boolean isHealthy() { return healthy; }
  public void setHealthy(boolean healthy) { this.healthy = healthy; }
  public boolean isRunning() { return running; }
  public void setRunning(boolean running) { this.running = running; }
  public String getError() { return error; }
  public void setError(String error) { this.error = error == null ? "" : error; }
  public ServicePhase getPhase() { return phase; }
  public void setPhase(ServicePhase phase) { this.phase = phase; }
  public List<String> getWaitingFor() { return waitingFor; }
  public void setWaitingFor(List<String> waitingFor) { this.waitingFor = waitingFor == null ? new ArrayList<>() : waitingFor; }
  public Integer getReadyReplicas() { return readyReplicas; }
  public void setReadyReplicas(Integer readyReplicas) { this.readyReplicas = readyReplicas; }
  public int getRestarts() { return restarts; }
  public void setRestarts(int restarts) { this.restarts = restarts; }
  public ExitRecord getLastExit() { return lastExit; }
  public void setLastExit(ExitRecord lastExit) { this.lastExit = lastExit; }
  public String getNextRestartAt() { return nextRestartAt; }
  public void setNextRestartAt(String nextRestartAt) { this.nextRestartAt = nextRestartAt; }
  public String getDependenciesMetAt() { return dependenciesMetAt; }
  public void setDependenciesMetAt(String dependenciesMetAt) { this.dependenciesMetAt = dependenciesMetAt; }
  public String getStartedAt() { return startedAt; }
  public void setStartedAt(String startedAt) { this.startedAt = startedAt; }
  public String getHealthySince() { return healthySince; }
  public void setHealthySince(String healthySince) { this.healthySince = healthySince; }
}
