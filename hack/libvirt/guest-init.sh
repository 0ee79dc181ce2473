#!/bin/busybox sh
# /init (PID 1) of the vmha test guest, packed into its initramfs by hack/libvirt-hosts.sh.
#
# What the tests read from the outside:
#   serial (ttyS0)   VMHA-DISK-TICK <n>   the tick found on the disk at boot (0: none; tells
#                                         a restart on another host that the disk came along)
#                    VMHA-GUEST-READY     once the agent below is listening
#                    VMHA-TICK <n>        every second, n counting up from 1 since boot; a live
#                                         migration keeps the count going, a restart resets it
#                    VMHA-GUEST-SHUTDOWN  on the agent's guest-shutdown, just before power-off
#                    (these lines end in "\n"; the few kernel messages that pass "quiet" in
#                    "\r\n")
#   disk (/dev/vda)  first sector = "VMHA-TICK <n>\n", rewritten (and fsync'ed) every tick
#   virtio-serial    org.qemu.guest_agent.0: guest-sync, guest-sync-delimited, guest-ping,
#                    guest-info, guest-shutdown; enough for libvirt's qemuAgentCommand.
#                    Test hook: vmha-test-hang makes the agent stop answering for good (the
#                    guest otherwise runs on, ticking), as a hung guest's agent does; only a
#                    reset or a restart brings it back (VM monitoring, rules.md M1)
#
# No udev here: devtmpfs gives the device nodes, and the agent port is found by its name in
# sysfs because the /dev/virtio-ports/<name> symlink is a udev rule.

/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# Debian builds virtio as modules. There is no modules.dep here (depmod runs at install time):
# load in dependency order as of Debian 12's 6.1, and retry in a few passes in case another
# kernel orders them differently. A module built into some other kernel is simply absent.
pass=0
while [ $pass -lt 3 ]; do
  for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
           virtio_console virtio_blk; do
    [ -f "/lib/modules/$m.ko" ] && [ ! -d "/sys/module/$m" ] && insmod "/lib/modules/$m.ko" 2>/dev/null
  done
  pass=$((pass + 1))
done

out=/dev/ttyS0
# Plain "\n" line ends for the markers (a tty would send "\r\n"); kernel messages, which do not
# go through the tty, still end in "\r\n".
stty -F "$out" -onlcr 2>/dev/null
say() { echo "$*" >"$out"; }

# Virtio probing finishes asynchronously (console ports are announced by the host after the
# driver binds): wait, briefly, only for what this guest was given. Device ids: 2 block,
# 3 console.
has_virtio() { grep -qx "$1" /sys/bus/virtio/devices/*/device 2>/dev/null; }
find_agent_port() {
  for p in /sys/class/virtio-ports/*; do
    if [ -f "$p/name" ] && [ "$(cat "$p/name")" = "org.qemu.guest_agent.0" ] && [ -e "/dev/${p##*/}" ]; then
      echo "/dev/${p##*/}"
      return
    fi
  done
}
agent_port=""
i=0
while [ $i -lt 50 ]; do
  agent_port=$(find_agent_port)
  { [ -n "$agent_port" ] || ! has_virtio 0x0003; } && { [ -b /dev/vda ] || ! has_virtio 0x0002; } && break
  i=$((i + 1))
  sleep 0.1
done

disk=""
[ -b /dev/vda ] && disk=/dev/vda

last=0
if [ -n "$disk" ]; then
  first=$(head -c 64 "$disk" | tr -d '\000' | head -n 1)
  case "$first" in
    "VMHA-TICK "*) last=${first#VMHA-TICK } ;;
  esac
fi
say "VMHA-DISK-TICK $last"

# The agent speaks one JSON object per line. Only the fields libvirt needs are looked at, by
# pattern, not parsed: this is a test double, not qemu-ga.
json_id() { echo "$1" | sed -n 's/.*"id"[[:space:]]*:[[:space:]]*\(-\{0,1\}[0-9][0-9]*\).*/\1/p'; }

agent() {
  exec 3<>"$1"
  while :; do
    # read fails (EOF) while no host side is connected, e.g. during a migration's switchover:
    # keep the port open, so the host sees the guest as connected when it comes back.
    if ! IFS= read -r line <&3; then
      sleep 0.2
      continue
    fi
    case "$line" in
      *'"guest-sync-delimited"'*)
        # 0xFF first: the host throws away whatever it read before it.
        printf '\377{"return": %s}\n' "$(json_id "$line")" >&3 ;;
      *'"guest-sync"'*)
        printf '{"return": %s}\n' "$(json_id "$line")" >&3 ;;
      *'"guest-ping"'*)
        printf '{"return": {}}\n' >&3 ;;
      *'"guest-info"'*)
        printf '{"return": {"version": "vmha-test-guest", "supported_commands": [%s]}}\n' \
          '{"enabled": true, "name": "guest-sync", "success-response": true}, {"enabled": true, "name": "guest-sync-delimited", "success-response": true}, {"enabled": true, "name": "guest-ping", "success-response": true}, {"enabled": true, "name": "guest-info", "success-response": true}, {"enabled": true, "name": "guest-shutdown", "success-response": false}' >&3 ;;
      *'"guest-shutdown"'*)
        # Like qemu-ga: no answer, the guest just goes away.
        say "VMHA-GUEST-SHUTDOWN"
        sync
        poweroff -f ;;
      *'"vmha-test-hang"'*)
        say "VMHA-GUEST-AGENT-HUNG"
        while :; do sleep 3600; done ;;
      *'"execute"'*)
        printf '{"error": {"class": "CommandNotFound", "desc": "not implemented by the vmha test guest"}}\n' >&3 ;;
    esac
  done
}

if [ -n "$agent_port" ]; then
  agent "$agent_port" &
fi

say "VMHA-GUEST-READY"

n=0
while :; do
  n=$((n + 1))
  say "VMHA-TICK $n"
  if [ -n "$disk" ]; then
    echo "VMHA-TICK $n" | dd of="$disk" bs=512 count=1 conv=notrunc,sync,fsync 2>/dev/null
  fi
  sleep 1
done
