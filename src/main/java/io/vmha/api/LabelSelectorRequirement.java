package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** One {@code matchExpressions} entry of a VM label selector. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!(self.operator in ['In', 'NotIn']) || (has(self.values) && size(self.values) > 0)",
    message = "operator In or NotIn needs at least one value")
@ValidationRule(
    value = "self.operator in ['In', 'NotIn'] || !has(self.values) || size(self.values) == 0",
    message = "operator Exists or DoesNotExist takes no values")
public class LabelSelectorRequirement {
  @Required
  @Size(min = 1, max = VmLabelSelector.MAX_LABEL_KEY)
  @JsonPropertyDescription("The label key the requirement reads.")
  private String key;

  @Required
  @JsonPropertyDescription(
      "In: the VM has the label with one of the values. NotIn: it lacks the label or has another value."
          + " Exists: it has the label. DoesNotExist: it lacks the label.")
  private LabelSelectorOperator operator;

  @Size(max = VmLabelSelector.MAX_VALUES)
  @JsonPropertyDescription(
      "The values In and NotIn compare with: at least one. Exists and DoesNotExist take none.")
  private List<@Size(max = VmLabelSelector.MAX_LABEL_VALUE) String> values;

  public LabelSelectorRequirement() {}

  public LabelSelectorRequirement(String key, LabelSelectorOperator operator, List<String> values) {
    this.key = key;
    this.operator = operator;
    this.values = values;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public LabelSelectorOperator getOperator() {
    return operator;
  }

  public void setOperator(LabelSelectorOperator operator) {
    this.operator = operator;
  }

  public List<String> getValues() {
    return values;
  }

  public void setValues(List<String> values) {
    this.values = values;
  }
}
