package io.vmha.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;

/**
 * What an agent process tells Prometheus (served at {@code /metrics} on its peer port): per host,
 * how its heartbeat renewals end (a refused credential apart from other failures, because it needs
 * a person, not patience), how old its last acknowledged renewal is, and whether it is fenced.
 */
public final class AgentMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  /** The metrics of one host's agent. */
  public interface Host {
    /** A host without metrics (no peer endpoint to serve them). */
    Host NONE =
        new Host() {
          @Override
          public void renewed() {}

          @Override
          public void refused() {}

          @Override
          public void failed() {}
        };

    /** A renewal the API server acknowledged. */
    void renewed();

    /** A renewal the API server refused for the agent's credential (401 or 403). */
    void refused();

    /** A renewal that failed otherwise (unreachable, timed out, server error). */
    void failed();
  }

  /**
   * Registers {@code host}'s metrics; {@code renewalAgeSeconds} and {@code fenced} are read at each
   * scrape.
   */
  public Host forHost(String host, DoubleSupplier renewalAgeSeconds, BooleanSupplier fenced) {
    Counter renewed = renewals(host, "acknowledged");
    Counter refused = renewals(host, "credential_refused");
    Counter failed = renewals(host, "failed");
    // strong references: the suppliers are lambdas nobody else holds
    Gauge.builder(
            "vmha_agent_heartbeat_renewal_age_seconds",
            renewalAgeSeconds,
            DoubleSupplier::getAsDouble)
        .strongReference(true)
        .description("Time since the last acknowledged heartbeat renewal was sent (monotonic)")
        .tag("host", host)
        .register(registry);
    Gauge.builder("vmha_agent_self_fenced", fenced, f -> f.getAsBoolean() ? 1 : 0)
        .strongReference(true)
        .description("1 while the host has fenced itself and not resumed")
        .tag("host", host)
        .register(registry);
    return new Host() {
      @Override
      public void renewed() {
        renewed.increment();
      }

      @Override
      public void refused() {
        refused.increment();
      }

      @Override
      public void failed() {
        failed.increment();
      }
    };
  }

  private Counter renewals(String host, String outcome) {
    return Counter.builder("vmha_agent_heartbeat_renewals")
        .description("Heartbeat renewals by outcome")
        .tag("host", host)
        .tag("outcome", outcome)
        .register(registry);
  }

  /** The Prometheus text exposition of every host's metrics. */
  public String scrape() {
    return registry.scrape();
  }
}
