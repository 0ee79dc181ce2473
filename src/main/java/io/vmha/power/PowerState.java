package io.vmha.power;

/** A host's power as its BMC reports it: the values of Redfish's ComputerSystem.PowerState. */
public enum PowerState {
  On,
  Off,
  PoweringOn,
  PoweringOff,
  /** A value this version does not know (Redfish added {@code Paused} in 2021), or none. */
  Unknown;

  /** The state a Redfish {@code PowerState} value names; {@link #Unknown} for anything else. */
  public static PowerState fromRedfish(String value) {
    for (PowerState state : values()) {
      if (state != Unknown && state.name().equals(value)) {
        return state;
      }
    }
    return Unknown;
  }
}
