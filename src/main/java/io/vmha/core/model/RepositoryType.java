package io.vmha.core.model;

public enum RepositoryType {
  Shared,
  Local
}
