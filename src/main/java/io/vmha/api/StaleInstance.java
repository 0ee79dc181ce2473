package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** An old instance that may still run on a host that lost its agent (F4). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StaleInstance {
  @Required
  @JsonPropertyDescription("Host the stale instance was on.")
  private String host;

  @Required
  @JsonPropertyDescription("Name of the stale instance: stop it there if the host is still up.")
  private String instanceName;

  @JsonPropertyDescription("When the VM was re-placed away from it (RFC 3339).")
  private String since;

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
  }

  public String getInstanceName() {
    return instanceName;
  }

  public void setInstanceName(String instanceName) {
    this.instanceName = instanceName;
  }

  public String getSince() {
    return since;
  }

  public void setSince(String since) {
    this.since = since;
  }

  public StaleInstance() {}

  public StaleInstance(String host, String instanceName, String since) {
    this.host = host;
    this.instanceName = instanceName;
    this.since = since;
  }
}
