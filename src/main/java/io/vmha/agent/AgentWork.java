package io.vmha.agent;

import io.vmha.api.VmHost;
import io.vmha.api.VmHostStatus;
import java.util.List;

/** The consistent picture of one tick: from the informers if the API is up, else the last one. */
record AgentWork(VmHost self, List<PlacedVm> placed, List<PlacedVm> incoming) {
  VmHostStatus status() {
    return self == null || self.getStatus() == null ? new VmHostStatus() : self.getStatus();
  }

  boolean maintenance() {
    return self != null
        && self.getSpec() != null
        && Boolean.TRUE.equals(self.getSpec().getMaintenance());
  }
}
