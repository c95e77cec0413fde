package dev.runner.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The last termination of one of the service's containers, or its failed rollout. The pod,
 * container and restartCount identify the termination so that it is counted only once.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class ExitRecord {
  private Integer code;
  private String reason;
  private String at;
  private String pod;
  private String container;
  private Integer restartCount;

  public Integer getCode() { return code; }
  public void setCode(Integer code) { this.code = code; }
  public String getReason() { return reason; }
  public void setReason(String reason) { this.reason = reason; }
  public String getAt() { return at; }
  public void setAt(String at) { this.at = at; }
  public String getPod() { return pod; }
  public void setPod(String pod) { this.pod = pod; }
  public String getContainer() { return container; }
  public void setContainer(String container) { this.container = container; }
  public Integer getRestartCount() { return restartCount; }
  public void setRestartCount(Integer restartCount) { this.restartCount = restartCount; }
}
