package io.vmha.demo;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Map;
import java.util.Queue;

/**
 * Fabric8's mixed dispatcher (expectations, then CRUD), answering a JSON patch that does not apply
 * as a kube-apiserver does: 422 Invalid. The CRUD dispatcher throws instead, and the mock server
 * then sends nothing at all, so a writer whose {@code test} operation lost a race waited out its
 * request timeout and every one of Fabric8's retries of it (over a minute per lost race, during
 * which a plan could not be applied), where a real API server lets it plan again at once.
 */
public final class ApiServerDispatcher extends KubernetesMixedDispatcher {
  public ApiServerDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses) {
    super(responses);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    try {
      return super.dispatch(request);
    } catch (RuntimeException e) {
      // a patch the CRUD handler cannot apply (a test that fails, a path to remove that is gone, a
      // body that is no patch) is the client's error on a real API server too
      if ("PATCH".equalsIgnoreCase(request.getMethod())) {
        return invalid(e.getMessage());
      }
      throw e;
    }
  }

  private static MockResponse invalid(String why) {
    Status status =
        new StatusBuilder()
            .withStatus("Failure")
            .withReason("Invalid")
            .withCode(422)
            .withMessage(why == null ? "the patch does not apply" : why)
            .build();
    return new MockResponse()
        .setResponseCode(422)
        .setHeader("Content-Type", "application/json")
        .setBody(Serialization.asJson(status));
  }
}
