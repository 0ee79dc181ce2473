package io.vmha.demo;

import java.util.ArrayList;
import java.util.List;

/** What the demo saw, per scenario; written as JSON with {@code --report}. */
public final class DemoReport {
  public record Entry(double atSeconds, String object, String reason, String note) {}

  public static final class ScenarioResult {
    public String name;
    public String rules;
    public boolean passed;

    /** Why it was not played on these hosts; null when it was. */
    public String notPlayed;

    public double seconds;
    public List<String> checks = new ArrayList<>();
    public List<String> failures = new ArrayList<>();
    public List<Entry> timeline = new ArrayList<>();
  }

  public List<ScenarioResult> scenarios = new ArrayList<>();
  public List<String> invariantViolations = new ArrayList<>();
  public List<String> finalHosts = new ArrayList<>();
  public List<String> finalVms = new ArrayList<>();

  public boolean passed() {
    return invariantViolations.isEmpty() && scenarios.stream().allMatch(s -> s.passed);
  }
}
