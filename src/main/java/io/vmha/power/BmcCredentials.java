package io.vmha.power;

import java.util.Objects;

/**
 * The account vmha logs in to a host's BMC with. Its {@code toString} never shows the password:
 * endpoints and credentials end up in log lines and exception messages.
 */
public record BmcCredentials(String username, String password) {
  public BmcCredentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    if (username.isBlank()) {
      throw new IllegalArgumentException("BMC username is empty");
    }
  }

  @Override
  public String toString() {
    return "BmcCredentials[username=" + username + ", password=(hidden)]";
  }
}
