package io.vmha.agent.libvirt;

import static io.vmha.agent.libvirt.LibvirtErrors.message;

import io.vmha.agent.DriverException;
import io.vmha.agent.HypervisorDriver;
import io.vmha.agent.Instance;
import io.vmha.agent.InstanceRef;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HypervisorDriver} over libvirt, through the JNA binding {@code org.libvirt:libvirt} (the
 * native {@code libvirt.so.0} must be installed): starts, pauses, resumes, stops and migrates
 * instances, and reports them and the host's connectivity.
 *
 * <ul>
 *   <li>An instance is a persistent domain named {@code <namespace>_<instance>} (see {@link
 *       DomainXml}), defined and started, destroyed and undefined by {@link DomainLifecycle}; its
 *       {@code <metadata>} records the instance name, the VM key and, while paused by vmha, the
 *       pause reason. {@link LibvirtDomains} finds the domain of an instance over one connection,
 *       opened lazily and reopened when libvirt drops it.
 *   <li>The disk is {@code <mountPath>/<path>} of the image's repository, found by {@link
 *       ImageRepositories}, which also says whether storage is connected and which repositories are
 *       reachable; the network is connected when {@code networkCheck} passes (default: {@link
 *       BridgeCheck}).
 *   <li>A live migration goes peer to peer to the target host's {@code
 *       status.reported.migrationUri} ({@link LiveMigration}, by a {@link DomainMigrator}).
 *   <li>{@link DomainInstances} reports each domain as an {@link Instance}.
 * </ul>
 */
public final class LibvirtDriver implements HypervisorDriver, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtDriver.class);

  private final String uri;
  private final String migrationUri;
  private final LibvirtDomains domains;
  private final ImageRepositories repositories;
  private final DomainLifecycle lifecycle;
  private final BooleanSupplier networkCheck;
  private final LiveMigration migration;
  private final DomainInstances domainInstances;
  private final BoundedCalls calls = new BoundedCalls();

  /**
   * How long the agent waits for libvirt to list its domains: the work loop lists them every tick,
   * and a listing queued behind a job on slow storage must not hold the report of that storage.
   */
  static final java.time.Duration LISTING_LIMIT = java.time.Duration.ofSeconds(3);

  /** How long the agent waits for libvirt to pause or resume an instance. */
  static final java.time.Duration STATE_CHANGE_LIMIT = java.time.Duration.ofSeconds(2);

  private LibvirtDriver(Builder b) {
    this.uri = b.uri;
    this.migrationUri = b.migrationUri == null ? b.uri : b.migrationUri;
    this.domains = new LibvirtDomains(b.uri);
    this.repositories = new ImageRepositories(b.repositories, b.storageCheck);
    String domainType =
        b.domainType != null ? b.domainType : b.uri.startsWith("test:") ? "test" : "kvm";
    this.lifecycle =
        new DomainLifecycle(
            domains,
            repositories,
            new InstanceDisks("qemu-img"),
            new DomainLifecycle.DomainLook(domainType, b.bridge, b.cpuMode, b.boot));
    this.networkCheck = b.networkCheck != null ? b.networkCheck : new BridgeCheck(b.bridge);
    this.migration = new LiveMigration(b.migrationUris, b.migrator, domains, b.migrationLimits);
    this.domainInstances = new DomainInstances(b.clock, domains);
  }

  public static Builder builder(String uri) {
    return new Builder(uri);
  }

  /** Opens a connection now, so a wrong URI or a missing libvirt fails at start-up. */
  public LibvirtDriver connect() throws DriverException {
    domains.conn();
    return this;
  }

  @Override
  public String name() {
    return "libvirt";
  }

  /** The libvirt connection URI, e.g. {@code qemu:///system}. */
  public String uri() {
    return uri;
  }

  // ---- commands ---------------------------------------------------------------------------------

  @Override
  public void start(InstanceRef instance, Resources resources, ImageRef image)
      throws DriverException {
    lifecycle.start(instance, resources, image, false);
  }

  /** Boots the instance from an overlay of its own over the template's image. */
  @Override
  public void startFromTemplate(InstanceRef instance, Resources resources, ImageRef templateImage)
      throws DriverException {
    lifecycle.start(instance, resources, templateImage, true);
  }

  /**
   * Asks libvirt to pause the instance and waits {@link #STATE_CHANGE_LIMIT} at most: on storage
   * that answers in seconds per operation, QEMU stops a guest only once its disks have flushed. A
   * pause that takes longer carries on in the background; the instance is reported paused once
   * libvirt says it is.
   */
  @Override
  public void pause(InstanceRef instance, String reason) throws DriverException {
    bounded(
        instance,
        "pausing",
        () -> {
          Domain domain = domains.require(instance);
          if (state(domain.getInfo().state) != Instance.State.Running) {
            return null;
          }
          DomainXml.Identity identity = domains.identity(domain);
          if (identity.vmha()) {
            domains.setPauseReason(domain, identity, reason);
          }
          domain.suspend();
          return null;
        },
        "libvirt could not pause " + instance);
  }

  @Override
  public void resume(InstanceRef instance) throws DriverException {
    bounded(
        instance,
        "resuming",
        () -> {
          Domain domain = domains.require(instance);
          if (domain.getInfo().state != DomainInfo.DomainState.VIR_DOMAIN_PAUSED) {
            return null;
          }
          domain.resume();
          DomainXml.Identity identity = domains.identity(domain);
          if (identity.vmha() && identity.pauseReason() != null) {
            domains.setPauseReason(domain, identity, null);
          }
          return null;
        },
        "libvirt could not resume " + instance);
  }

  /**
   * {@code virDomainReset} (M1): the guest reboots at once, without a clean shutdown, as a reset
   * button does, and the domain stays running with its name, disks and host.
   */
  @Override
  public void reset(InstanceRef instance) throws DriverException {
    bounded(
        instance,
        "resetting",
        () -> {
          Domain domain = domains.require(instance);
          if (state(domain.getInfo().state) != Instance.State.Running) {
            return null;
          }
          domain.reset();
          return null;
        },
        "libvirt could not reset " + instance);
  }

  /**
   * A change of an instance's state, waited for {@link #STATE_CHANGE_LIMIT} at most: one that takes
   * longer is left to finish (logged once), and the work loop asks again on a later tick, when the
   * instance's state shows whether it did.
   */
  private void bounded(
      InstanceRef instance, String doing, java.util.concurrent.Callable<Void> change, String failed)
      throws DriverException {
    try {
      calls.call("state of " + instance, doing + " " + instance, STATE_CHANGE_LIMIT, change);
    } catch (BoundedCalls.Overran e) {
      LOG.info("libvirt: {}", e.getMessage());
    } catch (BoundedCalls.StillRunning e) {
      LOG.debug("libvirt: {}", e.getMessage());
    } catch (LibvirtException e) {
      throw new DriverException(failed + ": " + message(e), e);
    }
  }

  @Override
  public void stop(InstanceRef instance) throws DriverException {
    lifecycle.stop(instance);
  }

  @Override
  public void migrate(InstanceRef instance, String targetHost) throws DriverException {
    migration.migrate(instance, targetHost);
  }

  @Override
  public void abortMigration(InstanceRef instance) throws DriverException {
    migration.abort(instance);
  }

  // ---- what the agent reports -------------------------------------------------------------------

  @Override
  public boolean reachesGuestAgents() {
    return true;
  }

  /** A {@code guest-ping} to the QEMU guest agent, given a second to answer. */
  @Override
  public java.util.Optional<Boolean> guestAgentAnswers(InstanceRef instance) {
    try {
      Domain domain = domains.find(instance);
      if (domain == null) {
        return java.util.Optional.empty();
      }
      domain.qemuAgentCommand("{\"execute\":\"guest-ping\"}", 1, 0);
      return java.util.Optional.of(true);
    } catch (LibvirtException e) {
      return java.util.Optional.of(false);
    } catch (DriverException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * Every domain libvirt knows, running or not. Throws (unchecked) when libvirt cannot be asked, or
   * does not answer within {@link #LISTING_LIMIT}: an empty list would tell the operator every
   * instance is gone.
   */
  @Override
  public List<Instance> instances() {
    try {
      return calls.call("listing", "listing its domains", LISTING_LIMIT, domainInstances::all);
    } catch (LibvirtException | DriverException e) {
      throw new io.vmha.agent.HypervisorUnavailable(
          "libvirt (" + uri + ") cannot list domains: " + e.getMessage(),
          e,
          e instanceof BoundedCalls.Late);
    }
  }

  @Override
  public boolean storageConnected() {
    return repositories.allReachable();
  }

  @Override
  public boolean networkConnected() {
    return networkCheck.getAsBoolean();
  }

  @Override
  public Set<String> reachableRepositories() {
    return repositories.reachable();
  }

  @Override
  public String migrationUri() {
    return migrationUri;
  }

  @Override
  public synchronized void close() {
    calls.close();
    migration.close();
    domains.close();
    repositories.close();
  }

  // ---- libvirt state -> instance ----------------------------------------------------------------

  /** libvirt's domain state as an instance state. */
  public static Instance.State state(DomainInfo.DomainState state) {
    return DomainInstances.state(state);
  }

  /** How a {@link LibvirtDriver} is made. */
  public static final class Builder {
    private final String uri;
    private String migrationUri;
    private String domainType;
    private String bridge;
    private String cpuMode = "host-model";
    private DomainXml.Boot boot = DomainXml.Boot.DISK;
    private Supplier<Map<String, String>> repositories = Map::of;
    private Function<String, String> migrationUris;
    private Predicate<Path> storageCheck;
    private BooleanSupplier networkCheck;
    private DomainMigrator migrator = DomainMigrator.PEER_TO_PEER;
    private MigrationLimits migrationLimits = MigrationLimits.DEFAULT;
    private Clock clock = Clock.systemUTC();

    private Builder(String uri) {
      this.uri = Objects.requireNonNull(uri, "uri");
    }

    /**
     * What other hosts' libvirt connect to for a live migration here (reported as migrationUri).
     */
    public Builder migrationUri(String value) {
      this.migrationUri = value;
      return this;
    }

    /** The domain type: {@code kvm} (default) or {@code test} (default for {@code test:} URIs). */
    public Builder domainType(String value) {
      this.domainType = value;
      return this;
    }

    /** Host bridge the VMs' NIC attaches to; none: no NIC. Its link state is the network check. */
    public Builder bridge(String value) {
      this.bridge = value;
      return this;
    }

    /** How this host's domains boot (default: from their disk). */
    public Builder boot(DomainXml.Boot value) {
      this.boot = value;
      return this;
    }

    /** The guest CPU mode ({@code host-model} by default; null or empty: libvirt's default). */
    public Builder cpuMode(String value) {
      this.cpuMode = value;
      return this;
    }

    /** The repositories this host should reach: name to mount path. */
    public Builder repositories(Supplier<Map<String, String>> value) {
      this.repositories = Objects.requireNonNull(value);
      return this;
    }

    /** A host's migration URI ({@code status.reported.migrationUri}), or null. */
    public Builder migrationUris(Function<String, String> value) {
      this.migrationUris = value;
      return this;
    }

    /** Whether a mount point is readable; default a {@link MountProbe}. */
    public Builder storageCheck(Predicate<Path> value) {
      this.storageCheck = value;
      return this;
    }

    /** Whether the VM network is up; default: the bridge is up (true without a bridge). */
    public Builder networkCheck(BooleanSupplier value) {
      this.networkCheck = value;
      return this;
    }

    public Builder migrator(DomainMigrator value) {
      this.migrator = value;
      return this;
    }

    /** When a live migration that overran is aborted (default {@link MigrationLimits#DEFAULT}). */
    public Builder migrationLimits(MigrationLimits value) {
      this.migrationLimits = Objects.requireNonNull(value);
      return this;
    }

    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value);
      return this;
    }

    public LibvirtDriver build() {
      return new LibvirtDriver(this);
    }
  }
}
