package io.vmha.agent.libvirt;

import io.vmha.api.Resources;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The libvirt domain XML vmha writes, and what it reads back from a domain's XML.
 *
 * <p><b>Naming.</b> Instance names are unique per namespace only, so the domain of instance {@code
 * web-1} of a VM in namespace {@code apps} is named {@code apps_web-1}: Kubernetes names never
 * contain {@code _}, so the split is unambiguous. The instance name and the VM key are also
 * recorded in the domain's {@code <metadata>} (namespace {@link #NAMESPACE}); that record, not the
 * name, is what marks a domain as vmha's. A domain without it was defined outside vmha and is
 * reported under its own domain name with no VM.
 */
public final class DomainXml {
  /** XML namespace of vmha's element in a domain's {@code <metadata>}. */
  public static final String NAMESPACE = "https://vmha.io/xmlns/libvirt/v1";

  /** Prefix libvirt writes the element with. */
  public static final String PREFIX = "vmha";

  private DomainXml() {}

  /** What vmha recorded in a domain, or for a foreign domain its name only. */
  public record Identity(String domainName, String instanceName, String vmKey, String pauseReason) {
    /** Whether vmha defined this domain (it carries vmha's metadata). */
    public boolean vmha() {
      return vmKey != null;
    }
  }

  /** {@code <namespace>_<instance>}; an instance without a VM key keeps its own name. */
  public static String domainName(String vmKey, String instanceName) {
    String namespace = namespaceOf(vmKey);
    return namespace == null ? instanceName : namespace + "_" + instanceName;
  }

  static String namespaceOf(String vmKey) {
    if (vmKey == null) {
      return null;
    }
    int slash = vmKey.indexOf('/');
    return slash <= 0 ? null : vmKey.substring(0, slash);
  }

  /**
   * How a host's domains boot and where their console goes, when its guests are not disk-bootable
   * PCs (appliances, the test guests): direct kernel boot, a named CPU model (software emulation
   * cannot pass the host's through), and the serial console appended to a file per domain on a path
   * every host sees, so it carries on across a live migration.
   *
   * @param kernel kernel to boot directly; null boots the disk
   * @param initrd its initrd, or null
   * @param cmdline its command line, or null
   * @param cpuModel a named CPU model (e.g. {@code qemu64}) instead of the driver's CPU mode; null
   *     keeps the mode
   * @param serialLogDir where {@code <domain>.serial.log} goes; null: a pty
   */
  public record Boot(
      String kernel, String initrd, String cmdline, String cpuModel, Path serialLogDir) {
    /** Boot the disk, console on a pty. */
    public static final Boot DISK = new Boot(null, null, null, null, null);
  }

  /** What a new domain looks like. */
  record Spec(
      String domainType,
      String domainName,
      String instanceName,
      String vmKey,
      Resources resources,
      Path disk,
      String bridge,
      String cpuMode,
      Boot boot) {}

  /**
   * The XML of a new domain: cpus, memory, one virtio disk, a bridged NIC if configured, vmha's
   * metadata.
   */
  static String define(Spec spec) {
    int cpus =
        spec.resources() == null || spec.resources().getCpus() == null
            ? 1
            : spec.resources().getCpus();
    long memory =
        spec.resources() == null || spec.resources().getMemoryMiB() == null
            ? 512
            : spec.resources().getMemoryMiB();
    StringBuilder xml = new StringBuilder();
    xml.append("<domain type='").append(attr(spec.domainType())).append("'>\n");
    xml.append("  <name>").append(text(spec.domainName())).append("</name>\n");
    xml.append("  <metadata>\n    ")
        .append(metadata(spec.instanceName(), spec.vmKey(), null, true))
        .append("\n  </metadata>\n");
    xml.append("  <memory unit='MiB'>").append(memory).append("</memory>\n");
    xml.append("  <vcpu placement='static'>").append(cpus).append("</vcpu>\n");
    Boot boot = spec.boot() == null ? Boot.DISK : spec.boot();
    if (boot.kernel() == null) {
      xml.append("  <os>\n    <type arch='x86_64'>hvm</type>\n    <boot dev='hd'/>\n  </os>\n");
    } else {
      xml.append("  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n");
      xml.append("    <kernel>").append(text(boot.kernel())).append("</kernel>\n");
      if (boot.initrd() != null) {
        xml.append("    <initrd>").append(text(boot.initrd())).append("</initrd>\n");
      }
      if (boot.cmdline() != null) {
        xml.append("    <cmdline>").append(text(boot.cmdline())).append("</cmdline>\n");
      }
      xml.append("  </os>\n");
    }
    xml.append("  <features>\n    <acpi/>\n    <apic/>\n  </features>\n");
    if (boot.cpuModel() != null) {
      xml.append("  <cpu mode='custom' match='exact' check='none'>\n");
      xml.append("    <model fallback='forbid'>")
          .append(text(boot.cpuModel()))
          .append("</model>\n  </cpu>\n");
    } else if (spec.cpuMode() != null && !spec.cpuMode().isBlank()) {
      xml.append("  <cpu mode='").append(attr(spec.cpuMode())).append("'/>\n");
    }
    xml.append("  <on_poweroff>destroy</on_poweroff>\n");
    xml.append("  <on_reboot>restart</on_reboot>\n");
    xml.append("  <on_crash>destroy</on_crash>\n");
    xml.append("  <devices>\n");
    // cache='none': libvirt refuses a live migration of a disk on shared storage with host caching
    xml.append("    <disk type='file' device='disk'>\n");
    xml.append("      <driver name='qemu' type='")
        .append(diskFormat(spec.disk()))
        .append("' cache='none'/>\n");
    xml.append("      <source file='").append(attr(spec.disk().toString())).append("'/>\n");
    xml.append("      <target dev='vda' bus='virtio'/>\n");
    xml.append("    </disk>\n");
    if (spec.bridge() != null && !spec.bridge().isBlank()) {
      xml.append("    <interface type='bridge'>\n");
      xml.append("      <mac address='")
          .append(macAddress(spec.vmKey() == null ? spec.domainName() : spec.vmKey()))
          .append("'/>\n");
      xml.append("      <source bridge='").append(attr(spec.bridge())).append("'/>\n");
      xml.append("      <model type='virtio'/>\n");
      xml.append("    </interface>\n");
    }
    if (boot.serialLogDir() == null) {
      xml.append("    <serial type='pty'/>\n");
      xml.append("    <console type='pty'/>\n");
    } else {
      // append: after a live migration the target's QEMU reopens the same file
      String log = attr(boot.serialLogDir().resolve(spec.domainName() + ".serial.log").toString());
      xml.append("    <serial type='file'>\n      <source path='")
          .append(log)
          .append("' append='on'/>\n      <target port='0'/>\n    </serial>\n");
      xml.append("    <console type='file'>\n      <source path='")
          .append(log)
          .append("' append='on'/>\n      <target type='serial' port='0'/>\n    </console>\n");
    }
    // the QEMU guest agent's channel (libvirt picks the socket): how the host asks a guest whether
    // it is alive, for the VM's GuestReady condition
    xml.append(
        "    <channel type='unix'>\n      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
            + "    </channel>\n");
    xml.append("  </devices>\n");
    xml.append("</domain>\n");
    return xml.toString();
  }

  /**
   * vmha's metadata element. libvirt's {@code virDomainSetMetadata} replaces it whole, so it always
   * carries every field; with {@code declareNamespace} false it is the form that call takes
   * (libvirt adds the namespace itself).
   */
  static String metadata(
      String instanceName, String vmKey, String pauseReason, boolean declareNamespace) {
    String p = declareNamespace ? PREFIX + ":" : "";
    StringBuilder xml = new StringBuilder();
    xml.append('<').append(p).append("instance");
    if (declareNamespace) {
      xml.append(" xmlns:").append(PREFIX).append("='").append(NAMESPACE).append('\'');
    }
    xml.append('>');
    xml.append('<')
        .append(p)
        .append("name>")
        .append(text(instanceName))
        .append("</")
        .append(p)
        .append("name>");
    xml.append('<')
        .append(p)
        .append("vm>")
        .append(text(vmKey))
        .append("</")
        .append(p)
        .append("vm>");
    if (pauseReason != null) {
      xml.append('<')
          .append(p)
          .append("pauseReason>")
          .append(text(pauseReason))
          .append("</")
          .append(p)
          .append("pauseReason>");
    }
    xml.append("</").append(p).append("instance>");
    return xml.toString();
  }

  /** Reads vmha's record from a domain's XML ({@code virDomainGetXMLDesc}). */
  static Identity identity(String domainXml) {
    Document doc = parse(domainXml);
    Element root = doc.getDocumentElement();
    String name = childText(root, null, "name");
    NodeList instances = root.getElementsByTagNameNS(NAMESPACE, "instance");
    if (instances.getLength() == 0) {
      return new Identity(name, name, null, null);
    }
    Element instance = (Element) instances.item(0);
    String instanceName = childText(instance, NAMESPACE, "name");
    String vm = childText(instance, NAMESPACE, "vm");
    String reason = childText(instance, NAMESPACE, "pauseReason");
    if (vm == null || vm.isBlank()) {
      return new Identity(name, name, null, null);
    }
    return new Identity(
        name, instanceName == null || instanceName.isBlank() ? name : instanceName, vm, reason);
  }

  /**
   * A locally administered MAC address derived from the VM key: a VM keeps its MAC (and so its DHCP
   * lease) when it is restarted on another host under a new instance name.
   */
  static String macAddress(String seed) {
    byte[] hash;
    try {
      hash = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return String.format("52:54:00:%02x:%02x:%02x", hash[0] & 0xff, hash[1] & 0xff, hash[2] & 0xff);
  }

  static String diskFormat(Path disk) {
    String file = disk.getFileName() == null ? "" : disk.getFileName().toString().toLowerCase();
    return file.endsWith(".qcow2") ? "qcow2" : "raw";
  }

  private static Document parse(String xml) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(true);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      DocumentBuilder builder = factory.newDocumentBuilder();
      return builder.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalArgumentException("unreadable domain XML: " + e.getMessage(), e);
    }
  }

  private static String childText(Element parent, String namespace, String local) {
    for (org.w3c.dom.Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e
          && local.equals(e.getLocalName())
          && (namespace == null
              ? e.getNamespaceURI() == null
              : namespace.equals(e.getNamespaceURI()))) {
        return e.getTextContent().trim();
      }
    }
    return null;
  }

  private static String text(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String attr(String s) {
    return text(s).replace("'", "&apos;").replace("\"", "&quot;");
  }
}
