package io.vmha.demo;

import io.vmha.agent.sim.Fault;
import io.vmha.core.Settings;

/**
 * One scenario the demo plays on the example fleet: a fault or an administrator's action, the
 * outcome the seed documents' rules promise, and the fleet healed again for the next scenario (each
 * one starts from a settled fleet, so they can be read on their own).
 */
abstract class Scenario {
  /** The headline printed before the scenario's timeline. */
  final String name;

  /** The rules of the seed documents it shows, such as {@code "F1, F4"}. */
  final String rules;

  final Steps steps;
  final FleetView fleet;
  final Settings settings;
  final DemoHosts hosts;
  final Timeline timeline;

  Scenario(String name, String rules, Steps steps) {
    this.name = name;
    this.rules = rules;
    this.steps = steps;
    this.fleet = steps.fleet;
    this.settings = steps.settings;
    this.hosts = steps.hosts;
    this.timeline = steps.timeline;
  }

  /** Why the scenario cannot be played on these hosts, or empty when it can. */
  java.util.Optional<String> cannotPlay() {
    return java.util.Optional.empty();
  }

  /** Why {@code fault}, which the scenario needs, cannot be injected here. */
  java.util.Optional<String> needs(Fault fault) {
    return hosts.cannotInject(fault).map(why -> fault.value() + ": " + why);
  }

  /** Plays the scenario; its checks and failures go to the result {@link Steps} records into. */
  abstract void play();
}
