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
@ValidationRule(
    value = "!has(self.restartConfig) || !has(self.restartConfig.policy) || self.restartConfig.policy != 'Always' "
        + "|| self.services.all(s, !has(s.kind) || s.kind != 'Job' || (has(s.restartConfig) && has(s.restartConfig.policy)))",
    message = "the group's restartConfig.policy Always would apply to a Job service, and a Job is meant to end: "
        + "give each Job service its own restartConfig.policy (OnFailure or Never)")
public class RunnerGroupSpec {
  @JsonPropertyDescription("true stops every service in reverse dependency order; false starts them again")
  private Boolean suspend;

  @JsonPropertyDescription("Default restart behaviour for every service of the group")
  private RestartConfig restartConfig;

  @JsonPropertyDescription("Other RunnerGroups that must be Ready before any service of this group starts")
  @Size(max = Limits.GROUP_DEPENDS_ON_MAX)
  @ValidationRule(
      // Whole entries are compared: spelled-out has(namespace) ternaries made kube-apiserver 1.37's cost
      // estimate more than 100x over budget even at 8 entries (see Limits.GROUP_DEPENDS_ON_MAX).
      value = "self.all(d, self.exists_one(e, e == d))",
      message = "dependsOn names the same group twice: list each group once")
  private List<GroupReference> dependsOn = new ArrayList<>();

  @JsonPropertyDescription("The services, keyed by name")
  @Required
  @Size(min = 1, max = Limits.SERVICES_MAX)
  private List<ServiceSpec> services = new ArrayList<>();

  public Boolean getSuspend() { return suspend; }
  public void setSuspend(Boolean suspend) { this.suspend = suspend; }
  public RestartConfig getRestartConfig() { return restartConfig; }
  public void setRestartConfig(RestartConfig restartConfig) { this.restartConfig = restartConfig; }
  public List<GroupReference> getDependsOn() { return dependsOn; }
  public void setDependsOn(List<GroupReference> dependsOn) { this.dependsOn = dependsOn == null ? new ArrayList<>() : dependsOn; }
  public List<ServiceSpec> getServices() { return services; }
  public void setServices(List<ServiceSpec> services) { this.services = services == null ? new ArrayList<>() : services; }
}
