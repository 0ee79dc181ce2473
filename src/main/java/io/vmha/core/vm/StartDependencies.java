package io.vmha.core.vm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which VMs' {@code startAfter} lists vmha refuses (O1): a list that closes a cycle, or that names
 * a VM of lower priority (priority tiers already start it later, so the order could never hold).
 * Refused lists are ignored, so the VM starts without waiting, and the operator shows why in its
 * {@code StartOrder} condition. Names of VMs that do not exist are not refused: such a VM is not
 * being started, and a VM never waits for one that is not.
 */
public final class StartDependencies {
  /** Why a list is refused: the {@code StartOrder} condition's reason and message. */
  public record Refusal(String reason, String message) {
    public static final String CYCLE = "DependencyCycle";
    public static final String LOWER_PRIORITY = "DependsOnLowerPriority";
  }

  private StartDependencies() {}

  /** {@code namespace/name} of each VM whose list is refused, with why. */
  public static Map<String, Refusal> problems(Map<String, ResolvedVm> vms) {
    Map<String, Refusal> problems = new TreeMap<>();
    for (ResolvedVm vm : vms.values()) {
      for (String key : dependencies(vm)) {
        ResolvedVm dependency = vms.get(key);
        if (dependency != null && dependency.priority().ordinal() > vm.priority().ordinal()) {
          problems.put(
              vm.key(),
              new Refusal(
                  Refusal.LOWER_PRIORITY,
                  "startAfter names "
                      + key
                      + " ("
                      + dependency.priority()
                      + " priority), but "
                      + vm.key()
                      + " is "
                      + vm.priority()
                      + ": a VM can start only after VMs of its own priority or higher"));
          break;
        }
      }
    }
    new CycleFinder(vms).findAll(problems);
    return problems;
  }

  /** The {@code namespace/name} of each VM the VM names in startAfter. */
  static List<String> dependencies(ResolvedVm vm) {
    List<String> keys = new ArrayList<>(vm.view().startAfter().size());
    for (String name : vm.view().startAfter()) {
      keys.add(vm.view().namespace() + "/" + name);
    }
    return keys;
  }

  /** Depth-first search; every VM on a cycle gets the cycle as its problem. */
  private static final class CycleFinder {
    private final Map<String, ResolvedVm> vms;
    private final Map<String, Integer> state = new HashMap<>(); // 1 on the path, 2 done
    private final List<String> path = new ArrayList<>();

    CycleFinder(Map<String, ResolvedVm> vms) {
      this.vms = vms;
    }

    void findAll(Map<String, Refusal> problems) {
      for (String key : new TreeMap<>(vms).keySet()) {
        visit(key, problems);
      }
    }

    private void visit(String key, Map<String, Refusal> problems) {
      Integer seen = state.get(key);
      if (seen != null) {
        if (seen == 1) {
          List<String> cycle = new ArrayList<>(path.subList(path.indexOf(key), path.size()));
          cycle.add(key);
          Refusal refusal =
              new Refusal(Refusal.CYCLE, "startAfter forms a cycle: " + String.join(" → ", cycle));
          cycle.forEach(member -> problems.putIfAbsent(member, refusal));
        }
        return;
      }
      ResolvedVm vm = vms.get(key);
      if (vm == null) {
        return;
      }
      state.put(key, 1);
      path.add(key);
      for (String next : dependencies(vm)) {
        visit(next, problems);
      }
      path.remove(path.size() - 1);
      state.put(key, 2);
    }
  }
}
