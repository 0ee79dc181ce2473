package io.vmha.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.api.Resources;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The domain XML vmha writes and reads back; no libvirt needed. */
class DomainXmlTest {
  /** A host whose guests boot a kernel directly, on an emulated CPU, console to a shared file. */
  @Test
  void aBootProfileBootsTheKernelOnANamedCpuWithTheConsoleInAFileThatSurvivesMigration() {
    String xml =
        DomainXml.define(
            new DomainXml.Spec(
                "qemu",
                "apps_web-1",
                "web-1",
                "apps/web",
                new Resources(1, 128),
                Path.of("/srv/shared/.vmha/instances/apps/web-1.qcow2"),
                null,
                "host-model",
                new DomainXml.Boot(
                    "/guest/vmlinux",
                    "/guest/initrd.img",
                    "console=ttyS0",
                    "qemu64",
                    Path.of("/srv/shared"))));
    assertThat(xml)
        .contains(
            "<kernel>/guest/vmlinux</kernel>",
            "<initrd>/guest/initrd.img</initrd>",
            "<cmdline>console=ttyS0</cmdline>",
            "<model fallback='forbid'>qemu64</model>",
            "<source path='/srv/shared/apps_web-1.serial.log' append='on'/>")
        .doesNotContain("<boot dev='hd'/>", "host-model", "type='pty'");
    assertThat(DomainXml.identity(xml).vmKey()).isEqualTo("apps/web");
  }

  @Test
  void theDomainXmlDescribesTheVm() {
    String xml =
        DomainXml.define(
            new DomainXml.Spec(
                "kvm",
                "apps_web-1",
                "web-1",
                "apps/web",
                new Resources(4, 8192),
                Path.of("/srv/vms/images/web.qcow2"),
                "br0",
                "host-model",
                DomainXml.Boot.DISK));
    assertThat(xml)
        .contains(
            "<domain type='kvm'>",
            "<name>apps_web-1</name>",
            "<memory unit='MiB'>8192</memory>",
            "<vcpu placement='static'>4</vcpu>",
            "type='qcow2' cache='none'",
            "<source file='/srv/vms/images/web.qcow2'/>",
            "<source bridge='br0'/>",
            "<mac address='" + DomainXml.macAddress("apps/web") + "'/>")
        .contains("<vmha:instance xmlns:vmha='" + DomainXml.NAMESPACE + "'>");
    DomainXml.Identity identity = DomainXml.identity(xml);
    assertThat(identity).isEqualTo(new DomainXml.Identity("apps_web-1", "web-1", "apps/web", null));
    assertThat(DomainXml.macAddress("apps/web"))
        .matches("52:54:00(:[0-9a-f]{2}){3}")
        .isEqualTo(DomainXml.macAddress("apps/web"))
        .isNotEqualTo(DomainXml.macAddress("apps/db"));
    assertThat(DomainXml.domainName("apps/web", "web-2")).isEqualTo("apps_web-2");
    assertThat(DomainXml.identity("<domain><name>apps_x-1</name></domain>"))
        .isEqualTo(new DomainXml.Identity("apps_x-1", "apps_x-1", null, null));
  }

  @Test
  void theDiskFormatFollowsTheFileName() {
    assertThat(DomainXml.diskFormat(Path.of("/srv/a.qcow2"))).isEqualTo("qcow2");
    assertThat(DomainXml.diskFormat(Path.of("/srv/a.img"))).isEqualTo("raw");
  }

  @Test
  void textIsEscaped() {
    String xml = DomainXml.metadata("a<b", "ns/x&y", "it's", false);
    assertThat(xml)
        .isEqualTo(
            "<instance><name>a&lt;b</name><vm>ns/x&amp;y</vm><pauseReason>it's</pauseReason></instance>");
  }
}
