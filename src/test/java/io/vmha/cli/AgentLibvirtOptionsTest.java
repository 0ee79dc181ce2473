package io.vmha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmha.agent.libvirt.DomainXml;
import io.vmha.agent.libvirt.LibvirtAgent;
import io.vmha.agent.libvirt.MigrationLimits;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code vmha agent}'s libvirt options become the driver's settings; bad ones are refused. */
class AgentLibvirtOptionsTest {

  static LibvirtAgent.Settings settings(String... options) {
    CommandLine cli = VmhaCommand.commandLine();
    String[] args = new String[options.length + 3];
    args[0] = "agent";
    args[1] = "--host=hv1";
    args[2] = "--driver=libvirt";
    System.arraycopy(options, 0, args, 3, options.length);
    CommandLine.ParseResult parsed = cli.parseArgs(args);
    AgentCommand agent = parsed.subcommand().commandSpec().commandLine().getCommand();
    return agent.libvirtSettings("qemu+tcp://hv1/system");
  }

  @Test
  void byDefaultDomainsAreKvmAndBootFromTheirDisk() {
    LibvirtAgent.Settings defaults = settings();
    assertThat(defaults.domainType()).isEqualTo("kvm");
    assertThat(defaults.boot()).isEqualTo(DomainXml.Boot.DISK);
  }

  @Test
  void aBootProfileForHostsWithoutKvmOrDiskBootableGuests() {
    LibvirtAgent.Settings test =
        settings(
            "--libvirt-domain-type=qemu",
            "--libvirt-kernel=/guest/vmlinux",
            "--libvirt-initrd=/guest/initrd.img",
            "--libvirt-cmdline=console=ttyS0",
            "--libvirt-cpu-model=qemu64",
            "--libvirt-serial-log-dir=/srv/shared");
    assertThat(test.domainType()).isEqualTo("qemu");
    assertThat(test.boot())
        .isEqualTo(
            new DomainXml.Boot(
                "/guest/vmlinux",
                "/guest/initrd.img",
                "console=ttyS0",
                "qemu64",
                Path.of("/srv/shared")));
  }

  @Test
  void aLiveMigrationRunsAtMostAMinuteWithoutProgressAnd64SecondsPerGiB() {
    assertThat(settings().migrationLimits()).isEqualTo(MigrationLimits.DEFAULT);
    assertThat(MigrationLimits.DEFAULT.maxTime(16L << 30)).isEqualTo(Duration.ofSeconds(1024));
    assertThat(
            settings(
                    "--libvirt-migration-progress-timeout=30s",
                    "--libvirt-migration-time-per-gib=2m")
                .migrationLimits())
        .isEqualTo(new MigrationLimits(Duration.ofSeconds(30), Duration.ofMinutes(2)));
  }

  @Test
  void aMigrationLimitOfZeroIsRefused() {
    CommandLine cli = VmhaCommand.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    int exit =
        cli.execute(
            "agent", "--host=hv1", "--driver=libvirt", "--libvirt-migration-progress-timeout=0s");
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("must be positive");
  }

  @Test
  void anInitrdWithoutAKernelIsRefused() {
    CommandLine cli = VmhaCommand.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    int exit =
        cli.execute(
            "agent", "--host=hv1", "--driver=libvirt", "--libvirt-initrd=/guest/initrd.img");
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("need --libvirt-kernel");
  }
}
