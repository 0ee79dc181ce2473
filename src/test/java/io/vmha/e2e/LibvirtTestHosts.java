package io.vmha.e2e;

import io.vmha.testbed.LibvirtHosts;
import java.nio.file.Files;

/** The real libvirt hosts as the tests need them: a test without them skips, saying what to run. */
final class LibvirtTestHosts {
  private LibvirtTestHosts() {}

  /** The hosts that are up; skips the calling test with fewer than {@code n}. */
  static LibvirtHosts assumeUp(int n) throws java.io.IOException {
    var prepared = LibvirtHosts.prepared();
    Tools.skipUnless(prepared.isPresent(), "no real libvirt hosts (" + LibvirtHosts.hint(n) + ")");
    LibvirtHosts hosts = prepared.get();
    Tools.skipUnless(
        hosts.hosts.size() >= n,
        "fewer than " + n + " libvirt hosts (" + LibvirtHosts.hint(n) + ")");
    if (!LibvirtHosts.allAnswer()) {
      // an earlier test class may have left a host crashed (a reset): bring it back, as `up` does
      hosts.up();
    }
    Tools.skipUnless(
        LibvirtHosts.allAnswer(),
        "the libvirt hosts do not all answer (" + LibvirtHosts.hint(n) + ")");
    return hosts;
  }

  /** Skips the calling test where {@code up} could not build vmha-faultfs (no Go toolchain). */
  static void assumeStorageFaults(LibvirtHosts hosts) {
    Tools.skipUnless(
        Files.isExecutable(hosts.faultfs()),
        "no "
            + hosts.faultfs()
            + " for storage faults (hack/libvirt-hosts.sh up builds it with Go)");
  }
}
