package io.vmha.power;

/** What fencing needs of a host's out-of-band power control: read the power, cut it, restore it. */
public interface PowerController {
  PowerState powerState() throws PowerException;

  /** Cuts the power at once, whatever the operating system is doing (no graceful shutdown). */
  void forceOff() throws PowerException;

  void powerOn() throws PowerException;
}
