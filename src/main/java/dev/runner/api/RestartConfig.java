package dev.runner.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * How a service is restarted. Every field is optional: a service's own value wins over the
 * group's, which wins over the defaults (the Go runner's DefaultRestartConfig, plus resetAfter).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(
    value = "!has(self.initialBackoff) || !has(self.maxBackoff) || duration(self.maxBackoff) >= duration(self.initialBackoff)",
    message = "maxBackoff must not be shorter than initialBackoff")
public class RestartConfig {
  @JsonPropertyDescription("Always | OnFailure | Never (default OnFailure)")
  private RestartPolicy policy;

  @JsonPropertyDescription("Restarts allowed before the service is left Failed; 0 means unlimited (default 5)")
  @Min(0)
  private Integer maxRetries;

  @JsonPropertyDescription("Delay before the first restart, a duration such as 500ms or 1s (default 1s)")
  @Pattern(Limits.DURATION)
  @ValidationRule(value = "duration(self) >= duration('0s')", message = "initialBackoff must be a duration such as 500ms, 1s or 1m30s")
  private String initialBackoff;

  @JsonPropertyDescription("Longest delay between restarts (default 60s)")
  @Pattern(Limits.DURATION)
  @ValidationRule(value = "duration(self) >= duration('0s')", message = "maxBackoff must be a duration such as 30s or 1m")
  private String maxBackoff;

  @JsonPropertyDescription("Factor applied to the delay after each restart, at least 1 (default 2.0)")
  @Min(1)
  private Double multiplier;

  @JsonPropertyDescription("Spread each delay by +-25 % (default true)")
  private Boolean jitter;

  @JsonPropertyDescription("A service healthy this long has its restart count and backoff reset (default 10m)")
  @Pattern(Limits.DURATION)
  @ValidationRule(value = "duration(self) >= duration('0s')", message = "resetAfter must be a duration such as 10m")
  private String resetAfter;

  public RestartPolicy getPolicy() { return policy; }
  public void setPolicy(RestartPolicy policy) { this.policy = policy; }
  public Integer getMaxRetries() { return maxRetries; }
  public void setMaxRetries(Integer maxRetries) { this.maxRetries = maxRetries; }
  public String getInitialBackoff() { return initialBackoff; }
  public void setInitialBackoff(String initialBackoff) { this.initialBackoff = initialBackoff; }
  public String getMaxBackoff() { return maxBackoff; }
  public void setMaxBackoff(String maxBackoff) { this.maxBackoff = maxBackoff; }
  public Double getMultiplier() { return multiplier; }
  public void setMultiplier(Double multiplier) { this.multiplier = multiplier; }
  public Boolean getJitter() { return jitter; }
  public void setJitter(Boolean jitter) { this.jitter = jitter; }
  public String getResetAfter() { return resetAfter; }
  public void setResetAfter(String resetAfter) { this.resetAfter = resetAfter; }
}
