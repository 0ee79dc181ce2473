package io.vmha.cli;

public class VmhaCommand {
  public static void main(String[] args) {}
}
