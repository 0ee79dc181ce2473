package io.vmha.api;

/** How a label selector requirement compares a VM's label with its values. */
public enum LabelSelectorOperator {
  In,
  NotIn,
  Exists,
  DoesNotExist
}
