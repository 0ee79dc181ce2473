package io.vmha.core.vm;

import io.vmha.core.Action;
import io.vmha.core.ActionLog;
import io.vmha.core.model.TemplateView;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hands out template instance names {@code <template>-<n>} within one plan: consecutive numbers
 * after the template's recorded counter, so the operator can advance the counter once per template,
 * with optimistic locking, before writing the placements (I5).
 */
public final class InstanceNames {
  private final Map<String, long[]> counters = new LinkedHashMap<>();
  private final Map<String, TemplateView> templates = new LinkedHashMap<>();

  public Numbered next(TemplateView template) {
    long[] counter =
        counters.computeIfAbsent(template.key(), k -> new long[] {template.instanceCounter()});
    templates.putIfAbsent(template.key(), template);
    counter[0]++;
    return new Numbered(template.name() + "-" + counter[0], counter[0]);
  }

  public void emitCounters(ActionLog log) {
    counters.forEach(
        (key, counter) ->
            log.counter(
                new Action.AdvanceTemplateCounter(
                    key, templates.get(key).instanceCounter(), counter[0])));
  }

  public record Numbered(String name, long counter) {}
}
