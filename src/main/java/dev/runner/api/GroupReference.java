package dev.runner.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Another RunnerGroup, named in {@code spec.dependsOn}: its name and (default: this group's) namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class GroupReference {
  @JsonPropertyDescription("The name of the RunnerGroup")
  @Required
  @Size(min = 1, max = Limits.DEPLOYMENT_NAME_MAX)
  @Pattern(Limits.DNS_LABEL)
  private String name;

  @JsonPropertyDescription("Its namespace; default: this group's namespace")
  @Size(min = 1, max = Limits.DEPLOYMENT_NAME_MAX)
  @Pattern(Limits.DNS_LABEL)
  private String namespace;

  public GroupReference() {}

  public GroupReference(String name, String namespace) {
    this.name = name;
    this.namespace = namespace;
  }

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getNamespace() { return namespace; }
  public void setNamespace(String namespace) { this.namespace = namespace; }
}
