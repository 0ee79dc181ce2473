package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Map;

/**
 * Selects VMs of a namespace by their metadata labels, as a Kubernetes label selector does. The
 * size limits keep the CEL rule that compares selectors within the API server's cost budget.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VmLabelSelector {
  /** A qualified label key: a DNS subdomain prefix (253), a slash and a name (63). */
  static final int MAX_LABEL_KEY = 317;

  static final int MAX_LABEL_VALUE = 63;
  static final int MAX_LABELS = 16;
  static final int MAX_VALUES = 16;

  @Size(max = MAX_LABELS)
  @JsonPropertyDescription("Labels a VM must carry, each with exactly this value.")
  private Map<String, @Size(max = MAX_LABEL_VALUE) String> matchLabels;

  @Size(max = MAX_LABELS)
  @JsonPropertyDescription(
      "Requirements a VM's labels must all meet, besides matchLabels. A selector without labels"
          + " and requirements matches every VM of the namespace.")
  private List<LabelSelectorRequirement> matchExpressions;

  public VmLabelSelector() {}

  public VmLabelSelector(
      Map<String, String> matchLabels, List<LabelSelectorRequirement> matchExpressions) {
    this.matchLabels = matchLabels;
    this.matchExpressions = matchExpressions;
  }

  public Map<String, String> getMatchLabels() {
    return matchLabels;
  }

  public void setMatchLabels(Map<String, String> matchLabels) {
    this.matchLabels = matchLabels;
  }

  public List<LabelSelectorRequirement> getMatchExpressions() {
    return matchExpressions;
  }

  public void setMatchExpressions(List<LabelSelectorRequirement> matchExpressions) {
    this.matchExpressions = matchExpressions;
  }
}
