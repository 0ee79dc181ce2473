package io.vmha.agent.libvirt;

import io.vmha.agent.DriverException;
import io.vmha.agent.HypervisorDriver;
import io.vmha.agent.Instance;
import io.vmha.agent.InstanceRef;
import io.vmha.api.ImageRef;
import io.vmha.api.Resources;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.TypedParameter;
import org.libvirt.TypedStringParameter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HypervisorDriver} over libvirt, through the JNA binding {@code org.libvirt:libvirt} (the
 * native {@code libvirt.so.0} must be installed). One connection, opened lazily and reopened when
 * libvirt drops it.
 *
 * <ul>
 *   <li>An instance is a persistent domain named {@code <namespace>_<instance>} (see {@link
 *       DomainXml}); its {@code <metadata>} records the instance name, the VM key and, while paused
 *       by vmha, the pause reason — so an agent restart loses none of them, and a live migration
 *       carries them to the target host.
 *   <li>The disk is {@code <mountPath>/<path>} of the image's repository; mount paths of the
 *       repositories this host should reach come from {@code repositories} (the agent wiring reads
 *       them from the StorageRepository objects).
 *   <li>Storage is connected when every such mount point passes {@code storageCheck} (default: a
 *       {@link MountProbe}); reachable repositories are the ones whose mount point passes it.
 *   <li>A live migration goes peer to peer to the target host's {@code
 *       status.reported.migrationUri}, found with {@code migrationUris}.
 * </ul>
 */
public final class LibvirtDriver implements HypervisorDriver, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtDriver.class);

  /**
   * libvirt prints every error to stderr unless an error callback is set; the driver turns errors
   * into exceptions anyway. A static field: JNA must keep the callback reachable.
   */
  private static final org.libvirt.jna.Libvirt.VirErrorCallback QUIET =
      (userData, error) -> LOG.trace("libvirt error reported (turned into an exception)");

  /** Flags of a vmha live migration: live, peer to peer, persistent on the target, gone here. */
  public static final int MIGRATION_FLAGS =
      Domain.MigrateFlags.LIVE
          | Domain.MigrateFlags.PEER2PEER
          | Domain.MigrateFlags.PERSIST_DEST
          | Domain.MigrateFlags.UNDEFINE_SOURCE
          | Domain.MigrateFlags.ABORT_ON_ERROR;

  /** Performs a live migration of a domain to another host's libvirt. */
  @FunctionalInterface
  public interface Migrator {
    void migrate(Domain domain, String destinationUri) throws LibvirtException;
  }

  /**
   * {@code virDomainMigrateToURI3} peer to peer with {@link #MIGRATION_FLAGS}: the source libvirtd
   * connects to the destination itself (with its own TLS certificates or SSH keys), so the agent
   * needs no credentials for other hosts.
   */
  public static final Migrator PEER_TO_PEER =
      (domain, destinationUri) -> {
        // at least one parameter: the binding fails on an empty array
        TypedParameter[] params = {new TypedStringParameter("destination_name", domain.getName())};
        domain.migrateToURI(destinationUri, params, MIGRATION_FLAGS);
      };

  private final String uri;
  private final String migrationUri;
  private final String domainType;
  private final String bridge;
  private final String cpuMode;
  private final DomainXml.Boot boot;
  private final Supplier<Map<String, String>> repositories;
  private final Function<String, String> migrationUris;
  private final InstanceDisks instanceDisks = new InstanceDisks("qemu-img");
  private final Predicate<Path> storageCheck;
  private final BooleanSupplier networkCheck;
  private final Migrator migrator;
  private final Clock clock;
  private final AutoCloseable ownedProbe;

  private final Map<String, DomainXml.Identity> identities = new ConcurrentHashMap<>();
  private final Map<String, Since> since = new ConcurrentHashMap<>();
  private Connect connection;

  private record Since(Instance.State state, Instant at) {}

  private LibvirtDriver(Builder b) {
    this.uri = b.uri;
    this.migrationUri = b.migrationUri == null ? b.uri : b.migrationUri;
    this.domainType =
        b.domainType != null ? b.domainType : b.uri.startsWith("test:") ? "test" : "kvm";
    this.bridge = b.bridge;
    this.cpuMode = b.cpuMode;
    this.boot = b.boot;
    this.repositories = b.repositories;
    this.migrationUris = b.migrationUris;
    MountProbe probe = b.storageCheck == null ? MountProbe.defaults() : null;
    this.storageCheck = probe != null ? probe : b.storageCheck;
    this.ownedProbe = probe;
    this.networkCheck = b.networkCheck != null ? b.networkCheck : () -> bridgeUp(b.bridge);
    this.migrator = b.migrator;
    this.clock = b.clock;
  }

  public static Builder builder(String uri) {
    return new Builder(uri);
  }

  /** Opens a connection now, so a wrong URI or a missing libvirt fails at start-up. */
  public LibvirtDriver connect() throws DriverException {
    conn();
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
    start(instance, resources, image, false);
  }

  /** Boots the instance from an overlay of its own over the template's image. */
  @Override
  public void startFromTemplate(InstanceRef instance, Resources resources, ImageRef templateImage)
      throws DriverException {
    start(instance, resources, templateImage, true);
  }

  private void start(
      InstanceRef instance, Resources resources, ImageRef image, boolean fromTemplate)
      throws DriverException {
    String instanceName = instance.name();
    String vmKey = instance.vmKey();
    String domainName = DomainXml.domainName(vmKey, instanceName);
    try {
      Domain existing = lookup(domainName);
      if (existing != null) {
        DomainXml.Identity identity = identity(existing);
        if (!identity.vmha()) {
          throw new DriverException(
              "a domain named " + domainName + " that vmha did not define exists on this host");
        }
        if (existing.isActive() == 1) {
          return;
        }
        // defined but shut off: define it anew (resources or image may have changed)
        existing.undefine();
      }
      ImageFile located = locate(image);
      Path disk =
          fromTemplate
              ? instanceDisks.overlay(located.mount(), located.file(), vmKey, instanceName)
              : located.file();
      String xml =
          DomainXml.define(
              new DomainXml.Spec(
                  domainType,
                  domainName,
                  instanceName,
                  vmKey,
                  resources,
                  disk,
                  bridge,
                  cpuMode,
                  boot));
      Domain domain = conn().domainDefineXML(xml);
      try {
        domain.create();
      } catch (LibvirtException e) {
        undefineQuietly(domain);
        throw e;
      }
      LOG.info("libvirt: defined and started domain {} ({} on {})", domainName, vmKey, disk);
    } catch (LibvirtException e) {
      throw new DriverException(
          "libvirt could not start domain " + domainName + ": " + message(e), e);
    }
  }

  @Override
  public void pause(InstanceRef instance, String reason) throws DriverException {
    try {
      Domain domain = require(instance);
      if (state(domain.getInfo().state) != Instance.State.Running) {
        return;
      }
      DomainXml.Identity identity = identity(domain);
      if (identity.vmha()) {
        setPauseReason(domain, identity, reason);
      }
      domain.suspend();
    } catch (LibvirtException e) {
      throw new DriverException("libvirt could not pause " + instance + ": " + message(e), e);
    }
  }

  @Override
  public void resume(InstanceRef instance) throws DriverException {
    try {
      Domain domain = require(instance);
      if (domain.getInfo().state != DomainInfo.DomainState.VIR_DOMAIN_PAUSED) {
        return;
      }
      domain.resume();
      DomainXml.Identity identity = identity(domain);
      if (identity.vmha() && identity.pauseReason() != null) {
        setPauseReason(domain, identity, null);
      }
    } catch (LibvirtException e) {
      throw new DriverException("libvirt could not resume " + instance + ": " + message(e), e);
    }
  }

  @Override
  public void stop(InstanceRef instance) throws DriverException {
    try {
      Domain domain = find(instance);
      if (domain == null) {
        return;
      }
      String name = domain.getName();
      boolean persistent = domain.isPersistent() == 1;
      if (domain.isActive() == 1) {
        try {
          domain.destroy();
        } catch (LibvirtException e) {
          if (!is(e, ErrorNumber.VIR_ERR_OPERATION_INVALID)) {
            throw e;
          }
        }
      }
      if (persistent) {
        try {
          domain.undefine(
              Domain.UndefineFlags.MANAGED_SAVE | Domain.UndefineFlags.SNAPSHOTS_METADATA);
        } catch (LibvirtException e) {
          if (is(e, ErrorNumber.VIR_ERR_INVALID_ARG) || is(e, ErrorNumber.VIR_ERR_NO_SUPPORT)) {
            domain.undefine();
          } else {
            throw e;
          }
        }
      }
      LOG.info("libvirt: destroyed and undefined domain {}", name);
    } catch (LibvirtException e) {
      if (is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        return; // gone meanwhile: stopped is what was asked
      }
      throw new DriverException("libvirt could not stop " + instance + ": " + message(e), e);
    }
  }

  @Override
  public void migrate(InstanceRef instance, String targetHost) throws DriverException {
    String instanceName = instance.toString();
    String destination = migrationUris == null ? null : migrationUris.apply(targetHost);
    if (destination == null || destination.isBlank()) {
      throw new DriverException(
          "host "
              + targetHost
              + " reports no migrationUri: cannot live-migrate "
              + instanceName
              + " there");
    }
    if (migrator == null) {
      throw new DriverException("live migration is not configured for this driver");
    }
    try {
      Domain domain = require(instance);
      LOG.info("libvirt: live-migrating {} to {} ({})", domain.getName(), targetHost, destination);
      migrator.migrate(domain, destination);
    } catch (LibvirtException e) {
      throw new DriverException(
          "live migration of "
              + instanceName
              + " to "
              + targetHost
              + " ("
              + destination
              + ") failed: "
              + message(e),
          e);
    }
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
      Domain domain = find(instance);
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
   * Every domain libvirt knows, running or not. Throws (unchecked) when libvirt cannot be asked: an
   * empty list would tell the operator every instance is gone.
   */
  @Override
  public List<Instance> instances() {
    try {
      Domain[] domains = conn().listAllDomains(0);
      List<Instance> list = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (Domain domain : domains) {
        try {
          String uuid = domain.getUUIDString();
          seen.add(uuid);
          list.add(instance(uuid, domain));
        } catch (LibvirtException e) {
          if (!is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
            throw e;
          }
        }
      }
      identities.keySet().retainAll(seen);
      since.keySet().retainAll(seen);
      list.sort(Comparator.comparing(Instance::name));
      return list;
    } catch (LibvirtException | DriverException e) {
      throw new IllegalStateException(
          "libvirt (" + uri + ") cannot list domains: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean storageConnected() {
    return repositories.get().values().stream().allMatch(this::mountReadable);
  }

  @Override
  public boolean networkConnected() {
    return networkCheck.getAsBoolean();
  }

  @Override
  public Set<String> reachableRepositories() {
    Set<String> reachable = new TreeSet<>();
    repositories
        .get()
        .forEach(
            (name, mountPath) -> {
              if (mountReadable(mountPath)) {
                reachable.add(name);
              }
            });
    return reachable;
  }

  @Override
  public String migrationUri() {
    return migrationUri;
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (LibvirtException e) {
        LOG.debug("libvirt: closing the connection: {}", e.getMessage());
      }
      connection = null;
    }
    if (ownedProbe != null) {
      try {
        ownedProbe.close();
      } catch (Exception e) {
        LOG.debug("closing the mount probe", e);
      }
    }
  }

  // ---- libvirt state -> instance ----------------------------------------------------------------

  /** libvirt's domain state as an instance state. */
  public static Instance.State state(DomainInfo.DomainState state) {
    if (state == null) {
      return Instance.State.Starting;
    }
    return switch (state) {
      case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED, VIR_DOMAIN_SHUTDOWN -> Instance.State.Running;
      case VIR_DOMAIN_PAUSED, VIR_DOMAIN_PMSUSPENDED -> Instance.State.Paused;
      case VIR_DOMAIN_SHUTOFF -> Instance.State.Stopped;
      case VIR_DOMAIN_CRASHED -> Instance.State.Failed;
      case VIR_DOMAIN_NOSTATE -> Instance.State.Starting;
    };
  }

  private Instance instance(String uuid, Domain domain) throws LibvirtException, DriverException {
    DomainInfo info = domain.getInfo();
    DomainXml.Identity identity = identity(uuid, domain);
    Instance.State state = state(info.state);
    String reason =
        switch (info.state) {
          case VIR_DOMAIN_PAUSED -> identity.pauseReason();
          case VIR_DOMAIN_PMSUSPENDED -> "PMSuspended";
          case VIR_DOMAIN_SHUTDOWN -> "ShuttingDown";
          case VIR_DOMAIN_SHUTOFF -> "ShutOff";
          case VIR_DOMAIN_CRASHED -> "Crashed";
          default -> null;
        };
    Since entered =
        since.compute(
            uuid,
            (k, old) ->
                old != null && old.state() == state ? old : new Since(state, clock.instant()));
    Resources resources = new Resources(info.nrVirtCpu, info.maxMem / 1024);
    return new Instance(
        identity.instanceName(), identity.vmKey(), state, reason, resources, entered.at());
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** An image file and the mount point of the repository it is in. */
  private record ImageFile(Path mount, Path file) {}

  private ImageFile locate(ImageRef image) throws DriverException {
    if (image == null || image.getRepository() == null || image.getPath() == null) {
      throw new DriverException("no image to start from");
    }
    String mountPath = repositories.get().get(image.getRepository());
    if (mountPath == null) {
      throw new DriverException(
          "repository " + image.getRepository() + " is not available on this host");
    }
    if (!mountReadable(mountPath)) {
      throw new DriverException(
          "repository "
              + image.getRepository()
              + " is not reachable: its mount point "
              + mountPath
              + " cannot be read");
    }
    try {
      Path mount = Path.of(mountPath).normalize();
      Path disk = mount.resolve(image.getPath()).normalize();
      if (!disk.startsWith(mount) || disk.equals(mount)) {
        throw new DriverException(
            "image path " + image.getPath() + " leaves repository " + image.getRepository());
      }
      // a symbolic link inside the repository may point anywhere on the host: follow it
      if (java.nio.file.Files.exists(disk) && !disk.toRealPath().startsWith(mount.toRealPath())) {
        throw new DriverException(
            "image path "
                + image.getPath()
                + " is a link that leaves repository "
                + image.getRepository());
      }
      return new ImageFile(mount, disk);
    } catch (InvalidPathException e) {
      throw new DriverException("invalid image path " + image.getPath() + ": " + e.getMessage());
    } catch (java.io.IOException e) {
      throw new DriverException("cannot resolve image path " + image.getPath() + ": " + e, e);
    }
  }

  private boolean mountReadable(String mountPath) {
    try {
      return mountPath != null && storageCheck.test(Path.of(mountPath));
    } catch (RuntimeException e) {
      LOG.debug("storage check of {} failed: {}", mountPath, e.toString());
      return false;
    }
  }

  private void setPauseReason(Domain domain, DomainXml.Identity identity, String reason) {
    int flags = 0;
    try {
      flags |= domain.isActive() == 1 ? Domain.ModificationImpact.LIVE : 0;
      flags |= domain.isPersistent() == 1 ? Domain.ModificationImpact.CONFIG : 0;
      domain.setMetadata(
          Domain.MetadataType.ELEMENT,
          DomainXml.metadata(identity.instanceName(), identity.vmKey(), reason, false),
          DomainXml.PREFIX,
          DomainXml.NAMESPACE,
          flags);
    } catch (LibvirtException e) {
      LOG.warn(
          "libvirt: could not record the pause reason of {}: {}",
          identity.domainName(),
          message(e));
    }
    try {
      identities.remove(domain.getUUIDString());
    } catch (LibvirtException e) {
      identities.clear();
    }
  }

  /** The domain of an instance name; null if there is none. */
  /**
   * The domain of an instance: by name and VM when vmha defined it; a domain without vmha's
   * metadata (its VM key null) by its instance name alone, refused if that is ambiguous.
   */
  private Domain find(InstanceRef instance) throws LibvirtException, DriverException {
    String instanceName = instance.name();
    List<Domain> matches = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Domain domain : conn().listAllDomains(0)) {
      DomainXml.Identity identity;
      try {
        identity = identity(domain);
      } catch (LibvirtException e) {
        if (is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
          continue;
        }
        throw e;
      }
      if (instanceName.equals(identity.instanceName())
          && (instance.vmKey() == null || instance.vmKey().equals(identity.vmKey()))) {
        matches.add(domain);
        names.add(identity.domainName());
      }
    }
    if (matches.size() > 1) {
      throw new DriverException(
          "instance name "
              + instanceName
              + " is ambiguous on this host: domains "
              + String.join(", ", names));
    }
    return matches.isEmpty() ? null : matches.get(0);
  }

  private Domain require(InstanceRef instance) throws LibvirtException, DriverException {
    Domain domain = find(instance);
    if (domain == null) {
      throw new DriverException("no instance " + instance + " on this host");
    }
    return domain;
  }

  private Domain lookup(String domainName) throws LibvirtException, DriverException {
    try {
      return conn().domainLookupByName(domainName);
    } catch (LibvirtException e) {
      if (is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        return null;
      }
      throw e;
    }
  }

  private DomainXml.Identity identity(Domain domain) throws LibvirtException {
    return identity(domain.getUUIDString(), domain);
  }

  private DomainXml.Identity identity(String uuid, Domain domain) throws LibvirtException {
    DomainXml.Identity known = identities.get(uuid);
    if (known != null) {
      return known;
    }
    DomainXml.Identity read = DomainXml.identity(domain.getXMLDesc(0));
    identities.put(uuid, read);
    return read;
  }

  private void undefineQuietly(Domain domain) {
    try {
      domain.undefine();
    } catch (LibvirtException e) {
      LOG.warn("libvirt: could not undefine a domain that failed to start: {}", message(e));
    }
  }

  /** The connection, (re)opened if needed. */
  private synchronized Connect conn() throws DriverException {
    try {
      if (connection != null && connection.isAlive()) {
        return connection;
      }
    } catch (LibvirtException e) {
      LOG.warn("libvirt: connection to {} lost: {}", uri, message(e));
    }
    if (connection != null) {
      try {
        connection.close();
      } catch (LibvirtException e) {
        LOG.debug("libvirt: closing a dead connection: {}", message(e));
      }
      connection = null;
    }
    try {
      Connect.setErrorCallback(QUIET);
      connection = new Connect(uri);
      identities.clear();
      LOG.info("libvirt: connected to {}", uri);
      return connection;
    } catch (LibvirtException e) {
      throw new DriverException("cannot connect to libvirt at " + uri + ": " + message(e), e);
    } catch (LinkageError e) {
      throw new DriverException(
          "the native libvirt library (libvirt.so.0) is not installed: " + e, e);
    }
  }

  static boolean is(LibvirtException e, ErrorNumber code) {
    return e.getError() != null && e.getError().getCode() == code;
  }

  static String message(LibvirtException e) {
    return e.getError() != null && e.getError().getMessage() != null
        ? e.getError().getMessage()
        : e.getMessage();
  }

  private static boolean bridgeUp(String bridge) {
    if (bridge == null || bridge.isBlank()) {
      return true;
    }
    try {
      NetworkInterface nic = NetworkInterface.getByName(bridge);
      return nic != null && nic.isUp();
    } catch (SocketException e) {
      return false;
    }
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
    private Migrator migrator = PEER_TO_PEER;
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

    /** The guest CPU mode ({@code host-model} by default; null or empty: libvirt's default). */
    /** How this host's domains boot (default: from their disk). */
    public Builder boot(DomainXml.Boot value) {
      this.boot = value;
      return this;
    }

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

    public Builder migrator(Migrator value) {
      this.migrator = value;
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
