package dev.runner.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A group of services run like a process supervisor runs processes: started in dependency order,
 * gated on readiness, restarted with backoff, with one aggregate health.
 */
@Group(RunnerGroup.GROUP)
@Version(RunnerGroup.VERSION)
@Kind("RunnerGroup")
@Plural("runnergroups")
@Singular("runnergroup")
@ShortNames("rg")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.ready", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Healthy", jsonPath = ".status.healthy", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "has(self.spec)", message = "a RunnerGroup needs a spec with at least one service")
@ValidationRule(
    value = "self.metadata.name.matches('" + Limits.DNS_LABEL + "')",
    message = "the group name must be a DNS label (lower-case letters, digits and '-'; no dots): "
        + "it is the first part of its Deployments' names")
@ValidationRule(
    value = "!has(self.spec) || !has(self.spec.services) || self.spec.services.all(s, size(self.metadata.name) + 1 + size(s.name) <= " + Limits.DEPLOYMENT_NAME_MAX + ")",
    message = "the Deployment name <group>-<service> must be at most " + Limits.DEPLOYMENT_NAME_MAX
        + " characters: shorten the group name or the service name")
@ValidationRule(
    // Only name is seen here (CEL has no metadata.namespace): an explicit own namespace is the operator's to catch.
    value = "!has(self.spec) || !has(self.spec.dependsOn) || self.spec.dependsOn.all(d, has(d.namespace) || d.name != self.metadata.name)",
    message = "a group cannot depend on itself: remove its own name from spec.dependsOn")
public class RunnerGroup extends CustomResource<RunnerGroupSpec, RunnerGroupStatus> implements Namespaced {
  public static final String GROUP = "runner.dev";
  public static final String VERSION = "v1alpha1";

  @Override
  protected RunnerGroupStatus initStatus() {
    return null;
  }
}
