package io.vmha.demo;

import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prints the operator's Events as they come, timed from the current scenario's fault: the "what
 * changed and why" of the demo.
 */
final class Timeline implements AutoCloseable {
  private final PrintStream out;
  private final Watch watch;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private volatile long startNanos = System.nanoTime();
  private volatile DemoReport.ScenarioResult current;

  Timeline(KubernetesClient client, PrintStream out) {
    this.out = out;
    this.watch =
        client
            .events()
            .v1()
            .events()
            .inAnyNamespace()
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Event event) {
                    if (action == Action.ADDED
                        && seen.add(event.getMetadata().getUid() + event.getMetadata().getName())) {
                      print(event);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
  }

  void startScenario(DemoReport.ScenarioResult scenario) {
    current = scenario;
    startNanos = System.nanoTime();
  }

  double elapsedSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  void note(String text) {
    out.printf("  %+7.1fs  %s%n", elapsedSeconds(), text);
  }

  private void print(Event event) {
    if (event.getRegarding() == null) {
      return;
    }
    String object =
        event.getRegarding().getKind()
            + " "
            + (event.getRegarding().getNamespace() == null
                ? ""
                : event.getRegarding().getNamespace() + "/")
            + event.getRegarding().getName();
    double at = elapsedSeconds();
    out.printf("  %+7.1fs  %-28s %-18s %s%n", at, object, event.getReason(), event.getNote());
    DemoReport.ScenarioResult scenario = current;
    if (scenario != null) {
      synchronized (scenario) {
        scenario.timeline.add(
            new DemoReport.Entry(
                Math.round(at * 10) / 10.0, object, event.getReason(), event.getNote()));
      }
    }
  }

  @Override
  public void close() {
    watch.close();
  }
}
