package dev.runner.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(
    // Its cost bounds Limits.DEPENDS_ON_MAX (see there).
    value = "self.services.all(s, !has(s.dependsOn) || s.dependsOn.all(d, d in self.services.map(t, t.name)))",
    message = "dependsOn names a service that is not in this group: add that service or fix the name")
public class RunnerGroupSpec {
  @JsonPropertyDescription("true stops every service in reverse dependency order; false starts them again")
  private Boolean suspend;

  @JsonPropertyDescription("Default restart behaviour for every service of the group")
  private RestartConfig restartConfig;

  @JsonPropertyDescription("The services, keyed by name")
  @Required
  @Size(min = 1, max = Limits.SERVICES_MAX)
  private List<ServiceSpec> services = new ArrayList<>();

  public Boolean getSuspend() { return suspend; }
  public void setSuspend(Boolean suspend) { this.suspend = suspend; }
  public RestartConfig getRestartConfig() { return restartConfig; }
  public void setRestartConfig(RestartConfig restartConfig) { this.restartConfig = restartConfig; }
  public List<ServiceSpec> getServices() { return services; }
  public void setServices(List<ServiceSpec> services) { this.services = services == null ? new ArrayList<>() : services; }
}
