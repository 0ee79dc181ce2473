package io.vmha.agent.libvirt;

import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

/**
 * What a {@link LibvirtException} says. The binding's own message is generic; libvirt's error, when
 * it carries one, says what went wrong.
 */
final class LibvirtErrors {
  private LibvirtErrors() {}

  static boolean is(LibvirtException e, ErrorNumber code) {
    return e.getError() != null && e.getError().getCode() == code;
  }

  static String message(LibvirtException e) {
    return e.getError() != null && e.getError().getMessage() != null
        ? e.getError().getMessage()
        : e.getMessage();
  }
}
