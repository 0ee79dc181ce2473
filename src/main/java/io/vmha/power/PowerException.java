package io.vmha.power;

/**
 * A BMC request that failed, with what kind of failure it was: the fence procedure retries some
 * kinds and gives up at once on others. The message is meant for an administrator (it says which
 * BMC and what to check) and never contains the password.
 */
public class PowerException extends Exception {
  public enum Kind {
    /** No connection: refused, no route, I/O error, or the TLS handshake failed. */
    Unreachable,
    /** Connected, but no answer within the request timeout. */
    Timeout,
    /** HTTP 401 or 403: the credentials are wrong, or the account may not do this. */
    Unauthorized,
    /** HTTP 404: the BMC has no system of that id. */
    NotFound,
    /** Any other refusal (4xx, 501 Not Implemented, or a redirect vmha does not follow). */
    Refused,
    /** HTTP 5xx but 501: the BMC took the request and failed at it. */
    ServerError,
    /** An answer vmha cannot read. */
    BadResponse
  }

  private final Kind kind;

  public PowerException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public PowerException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /**
   * Whether trying again may help: the BMC was out of reach or failed. A refusal will be refused
   * again, and repeating refused credentials only brings the BMC's account lockout closer.
   */
  public boolean worthRetrying() {
    return kind == Kind.Unreachable || kind == Kind.Timeout || kind == Kind.ServerError;
  }
}
