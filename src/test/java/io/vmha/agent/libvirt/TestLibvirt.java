package io.vmha.agent.libvirt;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * libvirt's built-in test driver, {@code test:///default}: a fake hypervisor inside this process
 * (no daemon, no KVM). Its state is shared by every connection of the process while one is open,
 * and it starts with one running domain named {@code test}. Tests keep a connection open for their
 * class ({@link #open()}), so state carries over between methods, and remove what they made.
 */
final class TestLibvirt {
  static final String URI = "test:///default";

  /** The domain test:///default starts with. */
  static final String PREDEFINED = "test";

  private TestLibvirt() {}

  /** Why libvirt cannot be used here, or null. */
  private static String unavailable;

  /**
   * A connection to test:///default, or null when the native libvirt is missing; call {@link
   * #assumeAvailable} in {@code @BeforeEach} so every test reports itself skipped with the reason.
   */
  static Connect open() {
    try {
      return new Connect(URI);
    } catch (LinkageError e) {
      unavailable =
          "libvirt0 (libvirt.so.0) is not installed, skipping the libvirt tests: "
              + "run hack/install-libvirt-test-deps.sh ("
              + e
              + ")";
    } catch (LibvirtException e) {
      unavailable =
          "libvirt's test driver is not available, skipping the libvirt tests: " + e.getMessage();
    }
    return null;
  }

  /** Skips the test (JUnit assumption) when {@link #open} found no libvirt. */
  static void assumeAvailable(Connect connection) {
    assumeTrue(connection != null, () -> unavailable);
  }

  /** Domain names libvirt reports now. */
  static List<String> domainNames(Connect connection) throws LibvirtException {
    List<String> names = new ArrayList<>();
    for (Domain domain : connection.listAllDomains(0)) {
      names.add(domain.getName());
    }
    return names;
  }

  /** Destroys and undefines every domain but the predefined one. */
  static void removeAllBut(Connect connection, String keep) throws LibvirtException {
    for (Domain domain : connection.listAllDomains(0)) {
      if (domain.getName().equals(keep)) {
        continue;
      }
      if (domain.isActive() == 1) {
        domain.destroy();
      }
      if (domain.isPersistent() == 1) {
        domain.undefine();
      }
    }
  }

  /** Defines and starts a domain the way an admin would with virsh, without vmha's metadata. */
  static Domain defineForeign(Connect connection, String name) throws LibvirtException {
    Domain domain =
        connection.domainDefineXML(
            "<domain type='test'><name>"
                + name
                + "</name>"
                + "<memory unit='MiB'>256</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>");
    domain.create();
    return domain;
  }
}
