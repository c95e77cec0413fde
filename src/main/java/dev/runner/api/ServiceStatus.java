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
  private ServiceReason reason;
  private List<String> waitingFor = new ArrayList<>();
  private Integer readyReplicas;
  private int restarts;
  private ExitRecord lastExit;
  private String nextRestartAt;
  private String dependenciesMetAt;
  private String startedAt;
  private String healthySince;
  private ExitRecord lastDisruption;
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private List<String> countedExits = new ArrayList<>();
  private String restartRequest;

  public boolean isHealthy() { return healthy; }
  public void setHealthy(boolean healthy) { this.healthy = healthy; }
  public boolean isRunning() { return running; }
  public void setRunning(boolean running) { this.running = running; }
  public String getError() { return error; }
  public void setError(String error) { this.error = error == null ? "" : error; }
  public ServicePhase getPhase() { return phase; }
  public void setPhase(ServicePhase phase) { this.phase = phase; }
  public ServiceReason getReason() { return reason; }
  public void setReason(ServiceReason reason) { this.reason = reason; }
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
  /** The last pod the cluster took away (eviction, preemption, node shutdown): not an application failure. */
  public ExitRecord getLastDisruption() { return lastDisruption; }
  public void setLastDisruption(ExitRecord lastDisruption) { this.lastDisruption = lastDisruption; }
  /**
   * The terminations already taken into account, by identity (pod UID, container, container ID or
   * finishedAt), among those still visible: each is counted once, and no kubelet time is compared
   * with the operator's clock.
   */
  public List<String> getCountedExits() { return countedExits; }
  public void setCountedExits(List<String> countedExits) { this.countedExits = countedExits == null ? new ArrayList<>() : countedExits; }
  /** The value of this service's runner.dev/restart-&lt;service&gt; annotation last acted on. */
  public String getRestartRequest() { return restartRequest; }
  public void setRestartRequest(String restartRequest) { this.restartRequest = restartRequest; }
}
