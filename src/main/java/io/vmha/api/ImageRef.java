package io.vmha.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A disk image: which repository holds it and where inside it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImageRef {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription("Name of the StorageRepository that holds the image.")
  private String repository;

  @Required
  @Pattern("^[^/].*$")
  @JsonPropertyDescription(
      "Path of the image inside the repository, relative to its mount point (for example images/sles10.qcow2).")
  private String path;

  public ImageRef() {}

  public ImageRef(String repository, String path) {
    this.repository = repository;
    this.path = path;
  }

  public String getRepository() {
    return repository;
  }

  public void setRepository(String repository) {
    this.repository = repository;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }
}
