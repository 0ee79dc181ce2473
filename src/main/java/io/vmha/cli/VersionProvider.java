package io.vmha.cli;

import picocli.CommandLine.IVersionProvider;

final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = VmhaCommand.class.getPackage().getImplementationVersion();
    return new String[] {"vmha " + (version == null ? "development build" : version)};
  }
}
