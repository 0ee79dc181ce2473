package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/** Where VM images live. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.type == 'Local' ? has(self.host) : !has(self.host)",
    message =
        "a Local repository names exactly one host in spec.host; a Shared repository names none (use hostSelector)")
@ValidationRule(
    value = "self.type == 'Shared' || !has(self.hostSelector)",
    message =
        "hostSelector applies to Shared repositories only; a Local repository is bound to spec.host")
public class StorageRepositorySpec {
  @Required
  @JsonPropertyDescription(
      "Shared: reachable by many hosts, VMs fail over. Local: the disk of one host, VMs wait for it.")
  private RepositoryType type;

  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription(
      "The VmHost a Local repository belongs to. Required for Local, forbidden for Shared.")
  private String host;

  @JsonPropertyDescription(
      "Shared only: labels a VmHost must carry to use this repository; empty means every host.")
  private Map<String, String> hostSelector;

  @JsonPropertyDescription(
      "Where the storage is, for humans and drivers (e.g. nfs://filer.example.com/export/vms).")
  private String url;

  @Required
  @Pattern("^/.*")
  // an image path is checked to stay inside its repository: a repository of / (or one that climbs
  // out with ..) would let an image name any file of the host
  @ValidationRule(
      value = "!self.matches('^/+$') && !self.matches('(^|/)[.][.](/|$)')",
      message = "mountPath must be a directory below /, without '..'")
  @JsonPropertyDescription("Absolute path where hosts see the repository's images.")
  private String mountPath;

  public RepositoryType getType() {
    return type;
  }

  public void setType(RepositoryType type) {
    this.type = type;
  }

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
  }

  public Map<String, String> getHostSelector() {
    return hostSelector;
  }

  public void setHostSelector(Map<String, String> hostSelector) {
    this.hostSelector = hostSelector;
  }

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public String getMountPath() {
    return mountPath;
  }

  public void setMountPath(String mountPath) {
    this.mountPath = mountPath;
  }
}
