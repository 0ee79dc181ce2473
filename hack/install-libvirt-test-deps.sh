#!/usr/bin/env bash
# Install what the libvirt driver's tests need: Debian's libvirt0 (the native
# libvirt.so.0 the JNA binding org.libvirt:libvirt loads) and qemu-utils (qemu-img). With it, libvirt's
# built-in test driver (test:///default) runs inside the JVM: no libvirtd, no KVM.
# Without it the libvirt tests skip themselves.
#
# Idempotent: does nothing when libvirt.so.0 is already there. Needs root (or sudo)
# on Debian/Ubuntu. CI calls it before `mvn test`.
#
#   hack/install-libvirt-test-deps.sh            # libvirt0 only (what tests need)
#   hack/install-libvirt-test-deps.sh --virsh    # also libvirt-clients (virsh), for
#                                                # poking at a real libvirtd by hand
#
# virsh is not needed by the tests and cannot see their state anyway: the test
# driver's hypervisor lives inside the JVM that opened test:///default.
set -euo pipefail

with_virsh=false
for arg in "$@"; do
  case "$arg" in
    --virsh) with_virsh=true ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

packages=()
if ! ldconfig -p 2>/dev/null | grep -q 'libvirt\.so\.0 '; then
  packages+=(libvirt0)
fi
# qemu-img makes the copy-on-write disk of every template instance (InstanceDisksTest)
if ! command -v qemu-img >/dev/null 2>&1; then
  packages+=(qemu-utils)
fi
if $with_virsh && ! command -v virsh >/dev/null 2>&1; then
  packages+=(libvirt-clients)
fi

if [ ${#packages[@]} -eq 0 ]; then
  echo "libvirt test dependencies already installed: $(ldconfig -p | grep -m1 'libvirt\.so\.0 ' | awk '{print $NF}')"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "no apt-get here: install the native libvirt library (libvirt.so.0) with your package manager" >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

echo "installing ${packages[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
ldconfig -p | grep -m1 'libvirt\.so\.0 '
