package io.vmha.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.vmha.api.VmAffinityRules;
import io.vmha.api.VmAffinitySpec;
import io.vmha.api.VmAffinityTerm;
import io.vmha.api.VmLabelSelector;
import io.vmha.core.model.LabelSelector;
import io.vmha.core.model.LabelSelector.Operator;
import io.vmha.core.model.LabelSelector.Requirement;
import io.vmha.core.model.VmAffinity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AffinityViewsTest {

  @Test
  void aVmWithoutAffinityTakesItsTemplates() {
    assertThat(AffinityViews.of(null)).isNull();
  }

  @Test
  void everyListGoesToItsPlace() {
    VmAffinitySpec spec =
        Serialization.unmarshal(
            """
            vmAffinity:
              requiredDuringScheduling:
                - labelSelector: {matchLabels: {app: web}}
              preferredDuringScheduling:
                - weight: 50
                  labelSelector: {matchLabels: {app: cache}}
            vmAntiAffinity:
              requiredDuringScheduling:
                - labelSelector: {matchLabels: {app: db}}
              preferredDuringScheduling:
                - weight: 20
                  labelSelector: {matchLabels: {app: batch}}
            """,
            VmAffinitySpec.class);

    assertThat(AffinityViews.of(spec))
        .isEqualTo(
            new VmAffinity(
                List.of(LabelSelector.of(Map.of("app", "web"))),
                List.of(new VmAffinity.Weighted(50, LabelSelector.of(Map.of("app", "cache")))),
                List.of(LabelSelector.of(Map.of("app", "db"))),
                List.of(new VmAffinity.Weighted(20, LabelSelector.of(Map.of("app", "batch"))))));
  }

  @Test
  void expressionsKeepTheirOperatorAndValues() {
    VmAffinitySpec spec =
        Serialization.unmarshal(
            """
            vmAntiAffinity:
              requiredDuringScheduling:
                - labelSelector:
                    matchLabels: {app: db}
                    matchExpressions:
                      - {key: tier, operator: In, values: [a, b]}
                      - {key: zone, operator: NotIn, values: [x]}
                      - {key: primary, operator: Exists}
                      - {key: retired, operator: DoesNotExist}
            """,
            VmAffinitySpec.class);

    LabelSelector selector = AffinityViews.of(spec).requiredAntiAffinity().get(0);

    assertThat(selector)
        .isEqualTo(
            new LabelSelector(
                Map.of("app", "db"),
                List.of(
                    new Requirement("tier", Operator.In, List.of("a", "b")),
                    new Requirement("zone", Operator.NotIn, List.of("x")),
                    new Requirement("primary", Operator.Exists, List.of()),
                    new Requirement("retired", Operator.DoesNotExist, List.of()))));
    assertThat(selector.matches(Map.of("app", "db", "tier", "b", "primary", "yes"))).isTrue();
    assertThat(selector.matches(Map.of("app", "db", "tier", "c", "primary", "yes"))).isFalse();
  }

  @Test
  void anAffinityWithOnlyOneSideLeavesTheOtherEmpty() {
    VmAffinitySpec spec =
        new VmAffinitySpec(
            null,
            new VmAffinityRules(
                List.of(new VmAffinityTerm(new VmLabelSelector(null, null))), null));

    VmAffinity affinity = AffinityViews.of(spec);

    assertThat(affinity.requiredAffinity()).isEmpty();
    assertThat(affinity.preferredAffinity()).isEmpty();
    assertThat(affinity.preferredAntiAffinity()).isEmpty();
    // an empty selector keeps the VM apart from every VM of its namespace, as in Kubernetes
    assertThat(affinity.requiredAntiAffinity()).containsExactly(LabelSelector.of(Map.of()));
  }

  @Test
  void anEmptyAffinityOnAVmStillReplacesTheTemplates() {
    VmAffinity affinity = AffinityViews.of(new VmAffinitySpec());

    assertThat(affinity).isEqualTo(VmAffinity.NONE);
  }

  @Test
  void theVmsOwnAffinityReplacesTheTemplatesAsAWhole() {
    VmAffinitySpec template = apartFrom("web");
    VmAffinitySpec own =
        new VmAffinitySpec(
            new VmAffinityRules(List.of(new VmAffinityTerm(selector("app", "db"))), null), null);

    VmAffinity resolved = AffinityViews.resolved(own, template);

    assertThat(resolved.requiredAntiAffinity()).isEmpty();
    assertThat(resolved.requiredAffinity()).containsExactly(LabelSelector.of(Map.of("app", "db")));
  }

  @Test
  void aVmWithoutItsOwnLivesByItsTemplatesOrByNone() {
    assertThat(AffinityViews.resolved(null, apartFrom("web")).requiredAntiAffinity())
        .containsExactly(LabelSelector.of(Map.of("app", "web")));
    assertThat(AffinityViews.resolved(null, null)).isEqualTo(VmAffinity.NONE);
  }

  private static VmAffinitySpec apartFrom(String app) {
    return new VmAffinitySpec(
        null, new VmAffinityRules(List.of(new VmAffinityTerm(selector("app", app))), null));
  }

  private static VmLabelSelector selector(String key, String value) {
    return new VmLabelSelector(Map.of(key, value), null);
  }
}
