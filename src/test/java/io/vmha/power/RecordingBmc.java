package io.vmha.power;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A BMC client that keeps a list of every call made through it: what, when, and how it ended. */
public final class RecordingBmc implements PowerController {
  /** One call: {@code result} is the state read, "accepted", or the failure's kind. */
  public record Call(String what, Instant started, Instant ended, String result) {}

  private final PowerController bmc;
  private final List<Call> calls = new CopyOnWriteArrayList<>();

  public RecordingBmc(PowerController bmc) {
    this.bmc = bmc;
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  public long count(String what) {
    return calls.stream().filter(c -> c.what().equals(what)).count();
  }

  @Override
  public PowerState powerState() throws PowerException {
    Instant started = Instant.now();
    try {
      PowerState state = bmc.powerState();
      calls.add(new Call("powerState", started, Instant.now(), state.name()));
      return state;
    } catch (PowerException e) {
      calls.add(new Call("powerState", started, Instant.now(), e.kind().name()));
      throw e;
    }
  }

  @Override
  public void forceOff() throws PowerException {
    request("forceOff", bmc::forceOff);
  }

  @Override
  public void powerOn() throws PowerException {
    request("powerOn", bmc::powerOn);
  }

  private interface Request {
    void send() throws PowerException;
  }

  private void request(String what, Request request) throws PowerException {
    Instant started = Instant.now();
    try {
      request.send();
      calls.add(new Call(what, started, Instant.now(), "accepted"));
    } catch (PowerException e) {
      calls.add(new Call(what, started, Instant.now(), e.kind().name()));
      throw e;
    }
  }
}
