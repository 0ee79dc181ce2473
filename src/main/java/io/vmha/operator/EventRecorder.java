package io.vmha.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events for the decisions a human wants to see ({@code kubectl describe}, {@code
 * kubectl get events}). An event that cannot be written is logged and dropped: events inform, they
 * never block a failover.
 */
public class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  static final String CONTROLLER = "vmha-operator";

  public enum Type {
    Normal,
    Warning
  }

  private final KubernetesClient client;
  private final Clock clock;
  private final String identity;

  public EventRecorder(KubernetesClient client, Clock clock, String identity) {
    this.client = client;
    this.clock = clock;
    this.identity = identity;
  }

  public void record(HasMetadata regarding, Type type, String reason, String action, String note) {
    record(regarding, type, reason, action, note, clock.instant());
  }

  /**
   * @param when the moment of the decision the event reports (it may be sent a little later)
   */
  public void record(
      HasMetadata regarding,
      Type type,
      String reason,
      String action,
      String note,
      java.time.Instant when) {
    // Cluster-scoped objects' events live in "default", as Nodes' do.
    String namespace =
        regarding.getMetadata().getNamespace() == null
            ? "default"
            : regarding.getMetadata().getNamespace();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                regarding.getMetadata().getName()
                    + "."
                    + UUID.randomUUID().toString().substring(0, 13).replace("-", ""))
            .withNamespace(namespace)
            .endMetadata()
            .withEventTime(
                new io.fabric8.kubernetes.api.model.MicroTime(
                    java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX")
                        .format(when.atOffset(ZoneOffset.UTC))))
            .withReportingController(CONTROLLER)
            .withReportingInstance(identity)
            .withType(type.name())
            .withReason(reason)
            .withAction(action)
            .withNote(note.length() > 1000 ? note.substring(0, 1000) : note)
            .withRegarding(
                new ObjectReferenceBuilder()
                    .withApiVersion(regarding.getApiVersion())
                    .withKind(regarding.getKind())
                    .withName(regarding.getMetadata().getName())
                    .withNamespace(regarding.getMetadata().getNamespace())
                    .withUid(regarding.getMetadata().getUid())
                    .withResourceVersion(regarding.getMetadata().getResourceVersion())
                    .build())
            .build();
    try {
      client.events().v1().events().inNamespace(namespace).resource(event).create();
    } catch (RuntimeException e) {
      log.warn(
          "could not record event {} on {}: {}",
          reason,
          regarding.getMetadata().getName(),
          e.getMessage());
    }
  }
}
