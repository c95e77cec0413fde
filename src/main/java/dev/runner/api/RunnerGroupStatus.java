package dev.runner.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The group's health (the Go runner's HealthStatus) plus what a user needs to act on it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class RunnerGroupStatus {
  private Long observedGeneration;
  private boolean healthy;
  private GroupPhase phase;
  private String ready;
  private String message = "";
  /** The start waves of the last valid spec; kept while the spec is invalid. */
  private List<List<String>> startOrder = new ArrayList<>();
  private Map<String, ServiceStatus> services = new TreeMap<>();
  private List<Condition> conditions = new ArrayList<>();
  /** The value of the runner.dev/restart annotation the operator has acted on. */
  private String restartRequest;

  public Long getObservedGeneration() { return observedGeneration; }
  public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
  public boolean isHealthy() { return healthy; }
  public void setHealthy(boolean healthy) { this.healthy = healthy; }
  public GroupPhase getPhase() { return phase; }
  public void setPhase(GroupPhase phase) { this.phase = phase; }
  public String getReady() { return ready; }
  public void setReady(String ready) { this.ready = ready; }
  public String getMessage() { return message; }
  public void setMessage(String message) { this.message = message == null ? "" : message; }
  public List<List<String>> getStartOrder() { return startOrder; }
  public void setStartOrder(List<List<String>> startOrder) { this.startOrder = startOrder == null ? new ArrayList<>() : startOrder; }
  public Map<String, ServiceStatus> getServices() { return services; }
  public void setServices(Map<String, ServiceStatus> services) { this.services = services == null ? new TreeMap<>() : new TreeMap<>(services); }
  public List<Condition> getConditions() { return conditions; }
  public void setConditions(List<Condition> conditions) { this.conditions = conditions == null ? new ArrayList<>() : conditions; }
  public String getRestartRequest() { return restartRequest; }
  public void setRestartRequest(String restartRequest) { this.restartRequest = restartRequest; }
}
