#!/usr/bin/env bash
# Real libvirt "hosts" on one machine, for tests that start real QEMU guests.
#
#   hack/libvirt-hosts.sh up [N]         hosts hv1..hvN (default 3); idempotent: ~1 s when up,
#                                        and it (re)starts only hosts that are not answering
#   hack/libvirt-hosts.sh down [--purge] destroy + undefine every domain, stop the daemons,
#                                        remove namespaces and links (--purge: the cache too)
#   hack/libvirt-hosts.sh status         which hosts are up (exit 0 only if all of them are)
#   hack/libvirt-hosts.sh crash hvK      SIGKILL all of one host (libvirtd, virtlockd, its
#                                        QEMUs): a host failure; `up` brings it back, empty
#   hack/libvirt-hosts.sh isolate|rejoin hvK   take its network link down / up: an agent run in
#                                        its namespace then loses the API server, its peers and
#                                        the migration network at once (its own libvirtd stays)
#   hack/libvirt-hosts.sh network hvK down|up   the uplink of hvK's VM network bridge (vmbr0,
#                                        where guests started with --libvirt-bridge=vmbr0 get
#                                        their NIC) down / up: the VM network lost, the rest intact
#   hack/libvirt-hosts.sh migration-link hvK stall|heal   hvK's incoming live-migration streams
#                                        (QEMU's ports 49152-49215) get 8 bit/s (stall) or their
#                                        bandwidth back (heal); libvirtd's own link is untouched
#   hack/libvirt-hosts.sh storage hvK on|fail|slow|heal|off   hvK sees the shared directory
#                                        through vmha-faultfs (on; for guests started after it),
#                                        which then fails every I/O with EIO (fail), delays every
#                                        operation by 7 s (slow) or neither (heal); off shows it
#                                        directly again. Only hvK is affected.
#
# Needs root and apt (Debian 12 here). Traffic stays on links this script creates, inside
# 10.213.0.0/24; the hosts have no default route.
#
# What `up` does
# - apt-get installs, only what is missing (--no-install-recommends): qemu-system-x86 qemu-utils
#   libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients busybox-static (and gcc if there
#   is no C compiler). Creates the libvirt-qemu user the QEMU driver insists on.
# - Builds the test guest once into $D/guest: the kernel of Debian's linux-image-amd64
#   (downloaded and unpacked, never installed), cut down to the uncompressed ELF inside vmlinuz
#   so QEMU boots it through PVH; an uncompressed initramfs of busybox + the kernel's virtio
#   modules + hack/libvirt/guest-init.sh (serial markers VMHA-GUEST-READY, VMHA-TICK <n> every
#   second, the tick written to /dev/vda, a minimal guest agent); base.qcow2, a 16 MiB backing
#   image whose first sector says "VMHA-BASE-IMAGE". Rebuilds the initramfs when guest-init.sh
#   changes.
# - Per host hvK: network namespace vmha-hvK, address 10.213.0.(10+K) on a veth into bridge
#   vmha-br0 (10.213.0.254 in the root namespace, so tests reach every host); a private mount +
#   UTS namespace (hostname vmha-hvK) where its own directories are bind-mounted over
#   /etc/libvirt, /var/lib/libvirt, /var/log/libvirt and /run/libvirt (QEMU capability probes
#   in /var/cache/libvirt are shared: one ~8 s probe instead of one per host); one virtlockd and
#   one libvirtd, listening on its unix socket and on TCP at its address (no auth: tests only).
# - Builds hack/libvirt/faultfs (Go, github.com/hanwen/go-fuse) into $D/lib/vmha-faultfs when there
#   is a Go toolchain, for `storage`: one host's view of the shared directory through FUSE,
#   mounted in that host's mount namespace only, whose I/O fails with EIO on demand.
# - Writes $D/hosts.env (to source from a shell) and $D/hosts.json naming, per host, its
#   netns, address, qemu+tcp and qemu+unix URIs, migration URI, local and log directories, and
#   the shared directory, kernel, initrd, cmdline, base image, domain type, and the bridge's
#   address with the name hosts know it by.
#
# Where things go ($D = ${VMHA_LIBVIRT_DIR:-/var/lib/vmha-test-hosts})
#   $D/guest/         vmlinux (or vmlinuz), initrd.img, base.qcow2: kept across down/up
#   $D/shared/        "shared storage": every host sees it at the same path. Disks (overlays on
#                     base.qcow2) and serial logs go here; `up` empties it when no host is up
#   $D/shared/.lockd  virtlockd lockspace (leases named by sha256 of the disk path)
#   $D/hosts/hvK/     etc/ (its /etc/libvirt), lib/, log/ (libvirtd.log, qemu/<domain>.log),
#                     local/ (its "local disk": local by convention only, all hosts can see it)
#   /run/vmha-hvK/    libvirt-sock, libvirtd.pid, virtlockd.pid
#   `down` leaves the files for post-mortems; a host restarted by `up` starts with empty state.
#
# Using it (hack/libvirt-guest-example.xml has the full recipe in its header):
#   . /var/lib/vmha-test-hosts/hosts.env
#   virsh -c "$VMHA_HV1_URI" define demo.xml && virsh -c "$VMHA_HV1_URI" start demo
#   grep VMHA- "$VMHA_SHARED_DIR/demo.serial.log"
#   virsh -c "$VMHA_HV1_URI" qemu-agent-command demo '{"execute":"guest-ping"}'
#   virsh -c "$VMHA_HV1_URI" migrate --live --p2p --persistent --undefinesource demo "$VMHA_HV2_URI"
# In a p2p migration the source daemon opens the destination URI from inside its own
# namespaces: always give it the qemu+tcp URI, never the unix-socket one.
#
# Two things that are not like a real cluster:
# - Shared storage is a plain ext4 directory. libvirt refuses to live-migrate a disk unless
#   statfs() says NFS, Ceph, GFS2, ...; hack/libvirt/sharedfs-shim.c (LD_PRELOADed into each
#   libvirtd) reports NFS for paths under $D/shared only. Disks elsewhere need --unsafe.
# - Locking: qemu.conf lock_manager = "lockd", one virtlockd per host, lockspace in
#   $D/shared/.lockd. libvirt takes a lease only when a guest's CPUs start, and all QEMUs share
#   one kernel here, so a second QEMU on an in-use disk is stopped first by QEMU's own image
#   locking ('Failed to get "write" lock'); a lease held elsewhere gives lockd's "resource busy:
#   Lockspace resource ... is locked". Both were seen.
#
# Measured (2 cores, TCG, Debian 12 container, Debian kernel 6.1 guest, 128 MiB, qemu64):
#   cold `up 3`: apt install ~13 s (40 packages, once) + guest build 5-8 s + first libvirtd
#   start 8 s (QEMU probe) + ~1 s per further host: ~30 s in all. `up` when up: <1 s; `up`
#   after `down`: ~1 s. `down` with a running guest: ~2.5 s.
#   virsh start -> VMHA-GUEST-READY on the serial log: 2.7-3.5 s (start returns after 0.5 s);
#   guest-ping answers 0.1-0.3 s after the marker. An idle guest costs ~2.5 % of one core.
#   migrate --live --p2p hv1 -> hv2: 2.1-2.7 s wall, QEMU 0.62-0.77 s (62 MiB), downtime
#   165-215 ms; the ticks go on without a reset, the agent answers on the destination.
#   Restart on hv3 after `crash hv2`: ready in ~2.9 s, its disk holds hv2's last tick.
# hack/libvirt/smoke-test.sh repeats these checks (~16 s) against hosts that are up.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT="$SCRIPT_DIR/$(basename "${BASH_SOURCE[0]}")"
D=${VMHA_LIBVIRT_DIR:-/var/lib/vmha-test-hosts}
GUEST_DIR=$D/guest
SHARED_DIR=$D/shared
LOCKSPACE_DIR=$SHARED_DIR/.lockd
CACHE_DIR=$D/qemu-cache
SHIM=$D/lib/vmha-sharedfs.so
FAULTFS=$D/lib/vmha-faultfs
BRIDGE=vmha-br0
BRIDGE_ADDR=10.213.0.254
VM_BRIDGE=vmbr0
VM_UPLINK=uplink0
PREFIX=10.213.0
TCP_PORT=16509
GUEST_CMDLINE="console=ttyS0 quiet panic=-1"
PACKAGES=(qemu-system-x86 qemu-utils libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients busybox-static)

# Scratch directories to remove however the script ends.
WORK_DIRS=()
cleanup() { [ ${#WORK_DIRS[@]} -eq 0 ] || rm -rf "${WORK_DIRS[@]}"; }
trap cleanup EXIT

log() { echo "libvirt-hosts: $*"; }
die() { echo "libvirt-hosts: ERROR: $*" >&2; exit 1; }

host_addr() { echo "$PREFIX.$((10 + ${1#hv}))"; }
host_sock() { echo "/run/vmha-$1/libvirt-sock"; }
host_unix_uri() { echo "qemu+unix:///system?socket=$(host_sock "$1")"; }
host_tcp_uri() { echo "qemu+tcp://$(host_addr "$1")/system"; }
host_virsh() { timeout "${VIRSH_TIMEOUT:-30}" virsh -q -c "$(host_unix_uri "$1")" "${@:2}"; }

# Hosts that exist in any form (namespace or runtime dir), so down/status find leftovers too.
known_hosts() {
  { ip netns list 2>/dev/null | awk '{print $1}' | sed -n 's/^vmha-\(hv[0-9][0-9]*\)$/\1/p'
    for d in /run/vmha-hv*; do [ -d "$d" ] && echo "${d#/run/vmha-}"; done
  } | sort -u -V
}

# Alive and not a zombie: daemons are reparented to PID 1, which may be slow to reap them.
pid_alive() {
  local pid state
  [ -f "$1" ] && pid=$(cat "$1") && state=$(ps -o stat= -p "$pid" 2>/dev/null) && [ "${state#Z}" = "$state" ]
}
host_up() {
  pid_alive "/run/vmha-$1/libvirtd.pid" && VIRSH_TIMEOUT=10 host_virsh "$1" version >/dev/null 2>&1
}

# ---------------------------------------------------------------- packages

ensure_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || die "no apt-get: install ${missing[*]} by hand"
    apt_update_once
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  fi
  # The QEMU driver resolves its built-in default user before reading qemu.conf's "root";
  # Debian's libvirt-daemon-system would create it, but that package drags in systemd units.
  getent group kvm >/dev/null || groupadd --system kvm
  id libvirt-qemu >/dev/null 2>&1 \
    || useradd --system --user-group --groups kvm --no-create-home --home-dir /var/lib/libvirt \
         --shell /usr/sbin/nologin libvirt-qemu
}

APT_UPDATED=false
apt_update_once() {
  $APT_UPDATED && return
  log "apt-get update"
  apt-get update -qq >/dev/null || die "apt-get update failed"
  APT_UPDATED=true
}

# ---------------------------------------------------------------- the guest

kernel_package() {
  local pkg
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*-amd64\)$/\1/p' | head -n 1)
  if [ -z "$pkg" ]; then
    apt_update_once
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*-amd64\)$/\1/p' | head -n 1)
  fi
  [ -n "$pkg" ] || die "cannot tell which linux-image-*-amd64 package linux-image-amd64 points to"
  echo "$pkg"
}

ensure_guest() {
  mkdir -p "$GUEST_DIR"
  local init_sum
  init_sum=$(sha256sum "$SCRIPT_DIR/libvirt/guest-init.sh" | cut -d' ' -f1)
  if [ -f "$GUEST_DIR/kernel" ] && [ -f "$GUEST_DIR/initrd.img" ] && [ -f "$GUEST_DIR/base.qcow2" ] \
     && [ "$(cat "$GUEST_DIR/init.sha256" 2>/dev/null)" = "$init_sum" ]; then
    return
  fi
  local started=$SECONDS work pkg kver
  work=$(mktemp -d /var/tmp/vmha-guest.XXXXXX)
  WORK_DIRS+=("$work")

  if [ ! -f "$GUEST_DIR/kernel" ] || [ ! -d "$GUEST_DIR/modules" ]; then
    pkg=$(kernel_package)
    log "guest kernel: downloading $pkg (not installed, only unpacked)"
    # apt drops privileges to _apt for downloads; let it write here.
    chown _apt "$work" 2>/dev/null || true
    if ! (cd "$work" && apt-get download -qq "$pkg" >/dev/null 2>&1) && ! $APT_UPDATED; then
      # Stale package lists name a version the mirror no longer has.
      apt_update_once
      pkg=$(kernel_package)
      (cd "$work" && apt-get download -qq "$pkg" >/dev/null 2>&1) || true
    fi
    ls "$work"/"$pkg"_*.deb >/dev/null 2>&1 || die "apt-get download $pkg failed"
    # Only vmlinuz and the virtio drivers are wanted out of ~400 MB. tar complains about a
    # pattern that matches nothing (a driver built in elsewhere): only vmlinuz is a must.
    dpkg-deb --fsys-tarfile "$work"/"$pkg"_*.deb \
      | tar -x -C "$work" --wildcards './boot/vmlinuz-*' './lib/modules/*/kernel/drivers/virtio/*' \
            './lib/modules/*/kernel/drivers/char/virtio_console.ko*' \
            './lib/modules/*/kernel/drivers/block/virtio_blk.ko*' 2>/dev/null || true
    ls "$work"/boot/vmlinuz-* >/dev/null 2>&1 || die "no vmlinuz in $pkg"
    local vmlinuz
    vmlinuz=$(ls "$work"/boot/vmlinuz-*)
    kver=${vmlinuz##*/vmlinuz-}
    rm -rf "$GUEST_DIR/modules" && mkdir -p "$GUEST_DIR/modules"
    local m f
    for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_console virtio_blk; do
      f=$(find "$work/lib/modules" -name "$m.ko*" | head -n 1)
      [ -n "$f" ] || continue   # built in, or gone in a newer kernel
      case "$f" in
        *.ko) cp "$f" "$GUEST_DIR/modules/$m.ko" ;;
        *.ko.xz) xz -dc "$f" >"$GUEST_DIR/modules/$m.ko" ;;
        *.ko.zst) zstd -qdc "$f" >"$GUEST_DIR/modules/$m.ko" ;;
        *.ko.gz) gzip -dc "$f" >"$GUEST_DIR/modules/$m.ko" ;;
      esac
    done
    # bzImage = setup code + a compressed ELF. QEMU boots the bare ELF through its PVH note,
    # which skips real-mode setup and decompression (both slow under TCG): ~2x faster boot.
    local off
    off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1 || true)
    rm -f "$GUEST_DIR/vmlinux" "$GUEST_DIR/vmlinuz"
    if [ -n "$off" ] && tail -c +$((off + 1)) "$vmlinuz" >"$work/payload.xz" \
       && xz -dc --single-stream "$work/payload.xz" >"$work/vmlinux" 2>/dev/null \
       && [ "$(head -c 4 "$work/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
      mv "$work/vmlinux" "$GUEST_DIR/vmlinux"
      ln -sfn vmlinux "$GUEST_DIR/kernel"
    else
      log "could not cut the ELF out of vmlinuz: booting the compressed kernel (slower)"
      cp "$vmlinuz" "$GUEST_DIR/vmlinuz"
      ln -sfn vmlinuz "$GUEST_DIR/kernel"
    fi
    echo "$pkg $kver" >"$GUEST_DIR/kernel.version"
  fi

  log "guest initramfs: busybox + virtio modules + guest-init.sh"
  local root=$work/initramfs
  mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
  cp /bin/busybox "$root/bin/busybox"
  cp "$SCRIPT_DIR/libvirt/guest-init.sh" "$root/init"
  chmod 755 "$root/init" "$root/bin/busybox"
  cp "$GUEST_DIR"/modules/*.ko "$root/lib/modules/" 2>/dev/null || true
  # The kernel opens /dev/console for PID 1 before /init mounts devtmpfs.
  mknod -m 600 "$root/dev/console" c 5 1
  # Uncompressed: ~3 MB, and no decompression in an emulated CPU.
  (cd "$root" && find . | LC_ALL=C sort | busybox cpio -o -H newc 2>/dev/null) >"$GUEST_DIR/initrd.img.new"
  mv "$GUEST_DIR/initrd.img.new" "$GUEST_DIR/initrd.img"
  echo "$GUEST_CMDLINE" >"$GUEST_DIR/cmdline"

  if [ ! -f "$GUEST_DIR/base.qcow2" ]; then
    # A marker in the first sector, so a guest's first boot shows its backing file is there.
    truncate -s 16M "$work/base.raw"
    echo "VMHA-BASE-IMAGE" | dd of="$work/base.raw" conv=notrunc status=none
    qemu-img convert -q -f raw -O qcow2 "$work/base.raw" "$GUEST_DIR/base.qcow2.new"
    mv "$GUEST_DIR/base.qcow2.new" "$GUEST_DIR/base.qcow2"
    # Backing files are opened read-only by every guest on every host.
    chmod 444 "$GUEST_DIR/base.qcow2"
  fi
  echo "$init_sum" >"$GUEST_DIR/init.sha256"
  rm -rf "$work"
  log "guest ready in $((SECONDS - started)) s: $(readlink -f "$GUEST_DIR/kernel"), $GUEST_DIR/initrd.img, $GUEST_DIR/base.qcow2"
}

# ---------------------------------------------------------------- shared-storage shim

# See hack/libvirt/sharedfs-shim.c: without it libvirt refuses to live-migrate a disk in the
# shared directory, because that directory is on ext4, not on a filesystem it knows is shared.
ensure_shim() {
  local src=$SCRIPT_DIR/libvirt/sharedfs-shim.c sum
  sum=$(sha256sum "$src" | cut -d' ' -f1)
  [ -f "$SHIM" ] && [ "$(cat "$SHIM.sha256" 2>/dev/null)" = "$sum" ] && return
  if ! command -v cc >/dev/null; then
    apt_update_once
    log "installing gcc libc6-dev (to build the shared-storage shim)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null \
      || die "apt-get install gcc libc6-dev failed"
  fi
  mkdir -p "$(dirname "$SHIM")"
  cc -shared -fPIC -O2 -Wall -o "$SHIM.new" "$src" -ldl || die "building $SHIM failed"
  mv "$SHIM.new" "$SHIM"
  echo "$sum" >"$SHIM.sha256"
  log "built $SHIM"
}

# ---------------------------------------------------------------- per-host storage faults

# See hack/libvirt/faultfs/main.go: a FUSE view of the shared directory that fails on a signal.
# Built with Go when there is one; without it only `storage` is unavailable.
ensure_faultfs() {
  local src=$SCRIPT_DIR/libvirt/faultfs sum
  sum=$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -d' ' -f1)
  [ -x "$FAULTFS" ] && [ "$(cat "$FAULTFS.sha256" 2>/dev/null)" = "$sum" ] && return
  if ! command -v go >/dev/null; then
    log "no Go toolchain: vmha-faultfs not built, 'storage' will not work"
    return
  fi
  mkdir -p "$(dirname "$FAULTFS")"
  # Only the storage-fault test needs it: a failed build must not keep the hosts from coming up.
  if ! (cd "$src" && go build -o "$FAULTFS.new" .); then
    log "building $FAULTFS failed: 'storage' will not work"
    return
  fi
  mv "$FAULTFS.new" "$FAULTFS"
  echo "$sum" >"$FAULTFS.sha256"
  log "built $FAULTFS"
}

# Runs a command in the host's mount and network namespaces (those of its libvirtd), so that
# what it mounts only that host sees and `crash`/`down` kill it with the host.
in_host_ns() {
  local h=$1 pid
  pid=$(cat "/run/vmha-$h/libvirtd.pid" 2>/dev/null) || die "$h is not up"
  nsenter --mount="/proc/$pid/ns/mnt" --net="/proc/$pid/ns/net" -- "${@:2}"
}

cmd_storage() {
  local h=${1:?storage: which host, e.g. hv3} what=${2:?storage $1: on, fail, slow, heal or off}
  local run=/run/vmha-$h pidfile=/run/vmha-$h/faultfs.pid direct=/run/vmha-$h/shared-direct i
  host_up "$h" || die "$h is not up"
  case "$what" in
    on)
      [ -x "$FAULTFS" ] || die "no $FAULTFS (needs Go at 'up')"
      pid_alive "$pidfile" && { log "$h already sees the shared directory through vmha-faultfs"; return; }
      rm -f "$pidfile"
      mkdir -p "$direct"
      # The loopback reads the files through a second (bind) mount of the directory, because
      # the view itself is mounted over the directory's own path.
      in_host_ns "$h" sh -c "mountpoint -q '$direct' || mount --bind '$SHARED_DIR' '$direct'"
      in_host_ns "$h" setsid "$FAULTFS" -pidfile "$pidfile" "$direct" "$SHARED_DIR" \
        </dev/null >>"$D/hosts/$h/log/faultfs.log" 2>&1 &
      for i in $(seq 1 100); do
        [ -s "$pidfile" ] && break
        sleep 0.1
      done
      [ -s "$pidfile" ] || die "$h: vmha-faultfs did not mount, see $D/hosts/$h/log/faultfs.log"
      log "$h sees $SHARED_DIR through vmha-faultfs"
      ;;
    fail | slow | heal)
      pid_alive "$pidfile" || die "$h: no vmha-faultfs (run 'storage $h on' before starting guests)"
      local signal=USR2
      [ "$what" = fail ] && signal=USR1
      [ "$what" = slow ] && signal=HUP
      kill "-$signal" "$(cat "$pidfile")"
      log "$h storage: $what"
      ;;
    off)
      if pid_alive "$pidfile"; then
        kill -TERM "$(cat "$pidfile")"
        for i in $(seq 1 50); do pid_alive "$pidfile" || break; sleep 0.1; done
      fi
      in_host_ns "$h" sh -c "umount -l '$SHARED_DIR' 2>/dev/null; umount -l '$direct' 2>/dev/null; true"
      rm -f "$pidfile"
      log "$h sees $SHARED_DIR directly"
      ;;
    *) die "storage $h: on, fail, slow, heal or off, not '$what'" ;;
  esac
}

# ---------------------------------------------------------------- network

ensure_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    # Only IPv4 here: no router solicitations or MLD chatter from these links.
    sysctl -qw "net.ipv6.conf.$BRIDGE.disable_ipv6=1" 2>/dev/null || true
  fi
  ip addr replace "$BRIDGE_ADDR/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

ensure_netns() {
  local h=$1 ns=vmha-$1 addr
  addr=$(host_addr "$h")
  ip netns list | awk '{print $1}' | grep -qx "$ns" || ip netns add "$ns"
  # ip netns exec bind-mounts these over /etc: libvirtd resolves its hostname from this hosts
  # file, and with an empty resolv.conf any other lookup asks the namespace's own loopback.
  # "kubernetes" is the root namespace's bridge address, where tests put the API server's proxy
  # for agents running on a host: a name its serving certificate carries.
  mkdir -p "/etc/netns/$ns"
  printf '127.0.0.1 localhost\n%s vmha-%s\n%s kubernetes\n' "$addr" "$h" "$BRIDGE_ADDR" >"/etc/netns/$ns/hosts"
  : >"/etc/netns/$ns/resolv.conf"
  if ! ip link show "$ns-br" >/dev/null 2>&1; then
    # A fixed MAC per host: neighbours (root namespace, other hosts) that still remember an
    # earlier incarnation of this host keep talking to the right one.
    ip link add "$ns-br" type veth peer name eth0 netns "$ns" address "$(printf '02:76:6d:68:00:%02x' "${h#hv}")"
    sysctl -qw "net.ipv6.conf.$ns-br.disable_ipv6=1" 2>/dev/null || true
  fi
  ip link set "$ns-br" master "$BRIDGE" up
  ip netns exec "$ns" sh -c "
    sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
    ip link set lo up
    ip addr replace $addr/24 dev eth0
    ip link set eth0 up"
  ensure_vm_bridge "$h"
}

# The hosts' VM network: bridge $VM_BRIDGE in each namespace, its uplink one end of a veth pair
# whose other end ($VM_UPLINK-sw) stands for the switch port: the uplink has carrier while that
# end is up, like a cabled NIC. Guests started with --libvirt-bridge=$VM_BRIDGE get a NIC on the
# bridge; `network hvK down` takes the switch end down, so the uplink loses its carrier as with a
# pulled cable or a failed switch port, while the guests' own ports on the bridge stay up.
ensure_vm_bridge() {
  local ns=vmha-$1
  ip netns exec "$ns" sh -ec "
    ip link show $VM_BRIDGE >/dev/null 2>&1 || ip link add $VM_BRIDGE type bridge
    ip link show $VM_UPLINK >/dev/null 2>&1 || ip link add $VM_UPLINK type veth peer name $VM_UPLINK-sw
    ip link set $VM_UPLINK master $VM_BRIDGE
    ip link set $VM_UPLINK up
    ip link set $VM_UPLINK-sw up
    ip link set $VM_BRIDGE up" \
    || log "$1: no VM bridge: 'network' will not work"
}

# ---------------------------------------------------------------- one host

write_host_config() {
  local h=$1 addr k uuid hd=$D/hosts/$1
  addr=$(host_addr "$h")
  k=${h#hv}
  # libvirt makes up a random host UUID at every start without DMI data; the migration
  # "same host?" check compares it, so every host needs its own, stable one.
  uuid=$(printf '766d6861-0000-4000-8000-%012x' "$k")
  mkdir -p "$hd/etc/qemu" "$hd/lib" "$hd/log/qemu" "$hd/local"
  cat >"$hd/etc/libvirtd.conf" <<EOF
# vmha test host $h: generated by hack/libvirt-hosts.sh; tests only (no auth anywhere)
host_uuid = "$uuid"
unix_sock_dir = "/run/vmha-$h"
unix_sock_rw_perms = "0770"
auth_unix_rw = "none"
auth_unix_ro = "none"
listen_tls = 0
listen_tcp = 1
listen_addr = "$addr"
tcp_port = "$TCP_PORT"
auth_tcp = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
  cat >"$hd/etc/qemu.conf" <<EOF
# vmha test host $h: generated by hack/libvirt-hosts.sh
user = "root"
group = "root"
# No systemd here: nothing socket-activates virtlogd, and the hosts share one cgroup tree.
stdio_handler = "file"
cgroup_controllers = [ ]
security_driver = "none"
dynamic_ownership = 0
remember_owner = 0
lock_manager = "lockd"
# Incoming migrations listen on, and are advertised with, this host's own address.
migration_address = "$addr"
migration_host = "$addr"
EOF
  cat >"$hd/etc/qemu-lockd.conf" <<EOF
auto_disk_leases = 1
require_lease_for_disks = 1
# Leases named by the disk's path, in a directory every host sees at the same path.
file_lockspace_dir = "$LOCKSPACE_DIR"
EOF
  cat >"$hd/etc/virtlockd.conf" <<EOF
log_outputs = "3:file:/var/log/libvirt/virtlockd.log"
EOF
}

# Runs a daemon without the file descriptors this script's caller left open: the daemon outlives
# the script, and an inherited descriptor would stay open as long as it runs (a lock taken with
# flock around 'up' stayed held by every libvirtd and virtlockd).
without_inherited_fds() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      case $fd in 0|1|2|255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
    done
    exec "$@"
  )
}

# Runs inside the host's network namespace and a fresh mount + UTS namespace (see start_host);
# the daemons keep those namespaces alive after this returns.
in_host() {
  local h=$1 hd=$D/hosts/$1 run=/run/vmha-$1
  hostname "vmha-$h"
  mount --bind "$hd/etc" /etc/libvirt
  mount --bind "$hd/lib" /var/lib/libvirt
  mount --bind "$hd/log" /var/log/libvirt
  mount --bind "$CACHE_DIR" /var/cache/libvirt
  mount --bind "$run/libvirt" /run/libvirt
  # virtlockd first: libvirtd's lock plugin sets up the lockspace when it loads.
  without_inherited_fds virtlockd -d -p "$run/virtlockd.pid" -f /etc/libvirt/virtlockd.conf </dev/null >>"$hd/log/daemons.out" 2>&1
  LD_PRELOAD=$SHIM VMHA_SHARED_FS_DIR=$(realpath "$SHARED_DIR") \
    without_inherited_fds libvirtd -d -l -p "$run/libvirtd.pid" -f /etc/libvirt/libvirtd.conf </dev/null >>"$hd/log/daemons.out" 2>&1
}

start_host() {
  local h=$1 hd=$D/hosts/$1 run=/run/vmha-$1 ns=vmha-$1
  if host_up "$h"; then
    log "$h already up ($(host_addr "$h"))"
    return
  fi
  # A host that is half there (crashed daemons, stale QEMUs) restarts from nothing, like a
  # rebooted machine: its domains' definitions are gone too.
  kill_host_processes "$h"
  rm -rf "${run:?}" "${hd:?}/etc" "${hd:?}/lib" "${hd:?}/log"
  mkdir -p "$run/libvirt" /etc/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt /run/libvirt
  write_host_config "$h"
  ensure_netns "$h"
  local started=$SECONDS
  # 9>&-: the daemons must not inherit (and so hold forever) the lock of serialize below.
  ip netns exec "$ns" unshare --mount --uts --propagation private -- bash "$SCRIPT" _in-host "$h" 9>&- \
    || die "$h: starting the daemons failed, see $hd/log/"
  local i
  for i in $(seq 1 120); do
    host_up "$h" && break
    pid_alive "$run/libvirtd.pid" || [ "$i" -lt 10 ] \
      || die "$h: libvirtd exited; see $hd/log/libvirtd.log and $hd/log/daemons.out"
    sleep 0.5
  done
  host_up "$h" || die "$h: libvirtd does not answer on $(host_sock "$h") after 60 s; see $hd/log/"
  # The same over TCP, the way other hosts (and the operator) reach it.
  for i in $(seq 1 10); do
    timeout 10 virsh -q -c "$(host_tcp_uri "$h")" version >/dev/null 2>&1 && break
    [ "$i" -lt 10 ] || die "$h: libvirtd answers on its socket but not on $(host_tcp_uri "$h")"
    sleep 0.5
  done
  log "$h up in $((SECONDS - started)) s: $(host_tcp_uri "$h") (netns $ns)"
}

kill_host_processes() {
  local h=$1 ns=vmha-$1 pids sig
  ip netns list | awk '{print $1}' | grep -qx "$ns" || return 0
  for sig in TERM KILL; do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086
    kill -s "$sig" $pids 2>/dev/null || true
    for _ in $(seq 1 20); do
      [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && return 0
      sleep 0.25
    done
  done
  [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || die "$h: processes $(ip netns pids "$ns" | tr '\n' ' ')won't die"
}

stop_host() {
  local h=$1 ns=vmha-$1 dom
  if host_up "$h"; then
    for dom in $(host_virsh "$h" list --all --name 2>/dev/null); do
      host_virsh "$h" destroy "$dom" >/dev/null 2>&1 || true
      host_virsh "$h" undefine "$dom" >/dev/null 2>&1 || true
      log "$h: removed domain $dom"
    done
  fi
  # libvirtd before virtlockd (it holds its leases there), then whatever QEMU is left.
  local p
  for p in libvirtd virtlockd; do
    if pid_alive "/run/vmha-$h/$p.pid"; then
      kill "$(cat "/run/vmha-$h/$p.pid")" 2>/dev/null || true
      for _ in $(seq 1 40); do pid_alive "/run/vmha-$h/$p.pid" || break; sleep 0.25; done
    fi
  done
  kill_host_processes "$h"
  ip netns del "$ns" 2>/dev/null || true   # takes the veth pair with it
  ip link del "$ns-br" 2>/dev/null || true
  rm -rf "/etc/netns/$ns" "/run/vmha-$h"
  rmdir /etc/netns 2>/dev/null || true
  log "$h down"
}

# ---------------------------------------------------------------- summary

write_summary() {
  local hosts=("$@") h H addr kernel
  kernel=$(readlink -f "$GUEST_DIR/kernel")
  {
    echo "# written by hack/libvirt-hosts.sh up; source it from a shell"
    echo "VMHA_LIBVIRT_DIR='$D'"
    echo "VMHA_HOSTS='${hosts[*]}'"
    echo "VMHA_HOST_COUNT=${#hosts[@]}"
    echo "VMHA_DOMAIN_TYPE=$(domain_type)"
    echo "VMHA_SHARED_DIR='$SHARED_DIR'"
    echo "VMHA_LOCKSPACE_DIR='$LOCKSPACE_DIR'"
    echo "VMHA_GUEST_KERNEL='$kernel'"
    echo "VMHA_GUEST_INITRD='$GUEST_DIR/initrd.img'"
    echo "VMHA_GUEST_CMDLINE='$GUEST_CMDLINE'"
    echo "VMHA_BASE_IMAGE='$GUEST_DIR/base.qcow2'"
    for h in "${hosts[@]}"; do
      H=$(echo "$h" | tr '[:lower:]' '[:upper:]')
      addr=$(host_addr "$h")
      echo "VMHA_${H}_NETNS=vmha-$h"
      echo "VMHA_${H}_ADDRESS=$addr"
      echo "VMHA_${H}_URI='$(host_tcp_uri "$h")'"
      echo "VMHA_${H}_UNIX_URI='$(host_unix_uri "$h")'"
      echo "VMHA_${H}_MIGRATION_URI='tcp://$addr'"
      echo "VMHA_${H}_LOCAL_DIR='$D/hosts/$h/local'"
      echo "VMHA_${H}_LOG_DIR='$D/hosts/$h/log'"
      echo "VMHA_${H}_LINK=vmha-$h-br"
    done
  } >"$D/hosts.env"
  {
    echo "{"
    echo "  \"dir\": \"$D\","
    echo "  \"domainType\": \"$(domain_type)\","
    echo "  \"sharedDir\": \"$SHARED_DIR\","
    echo "  \"lockspaceDir\": \"$LOCKSPACE_DIR\","
    echo "  \"kernel\": \"$kernel\","
    echo "  \"initrd\": \"$GUEST_DIR/initrd.img\","
    echo "  \"cmdline\": \"$GUEST_CMDLINE\","
    echo "  \"baseImage\": \"$GUEST_DIR/base.qcow2\","
    echo "  \"bridgeAddress\": \"$BRIDGE_ADDR\","
    echo "  \"bridgeHostname\": \"kubernetes\","
    if ip netns exec "vmha-${hosts[0]}" ip link show "$VM_BRIDGE" >/dev/null 2>&1; then
      echo "  \"vmBridge\": \"$VM_BRIDGE\","
    fi
    echo "  \"hosts\": ["
    local sep=","
    for h in "${hosts[@]}"; do
      [ "$h" = "${hosts[-1]}" ] && sep=""
      addr=$(host_addr "$h")
      echo "    {\"name\": \"$h\", \"netns\": \"vmha-$h\", \"address\": \"$addr\"," \
           "\"uri\": \"$(host_tcp_uri "$h")\", \"unixUri\": \"$(host_unix_uri "$h")\"," \
           "\"migrationUri\": \"tcp://$addr\", \"localDir\": \"$D/hosts/$h/local\"," \
           "\"logDir\": \"$D/hosts/$h/log\", \"link\": \"vmha-$h-br\"}$sep"
    done
    echo "  ]"
    echo "}"
  } >"$D/hosts.json"
}

# kvm only where the CPU really virtualises: here /dev/kvm can exist without VT-x/AMD-V.
domain_type() {
  if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then echo kvm; else echo qemu; fi
}

# ---------------------------------------------------------------- commands

# Two `up`s at once (parallel test suites) would race on namespaces and daemons.
serialize() {
  mkdir -p "$D"
  exec 9>"$D/.lock"
  flock 9
}

cmd_up() {
  local n=${1:-3} started=$SECONDS h k
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 200 ] || die "up: N must be 1..200, not '$n'"
  [ "$(id -u)" -eq 0 ] || die "needs root (namespaces, bridge, libvirtd as root)"
  serialize
  ensure_packages
  ensure_guest
  ensure_shim
  ensure_faultfs
  mkdir -p "$SHARED_DIR" "$LOCKSPACE_DIR" "$CACHE_DIR"
  # Hosts beyond N from an earlier `up` go away, so "up N" means exactly hv1..hvN.
  for h in $(known_hosts); do
    if [ "${h#hv}" -gt "$n" ]; then stop_host "$h"; fi
  done
  if [ -z "$(known_hosts)" ]; then
    # Nothing running: start from empty shared storage (stale overlays, logs and leases).
    find "$SHARED_DIR" -mindepth 1 -maxdepth 1 ! -name .lockd -exec rm -rf {} +
    find "$LOCKSPACE_DIR" -mindepth 1 -delete
  fi
  ensure_bridge
  local hosts=()
  for k in $(seq 1 "$n"); do
    start_host "hv$k"
    ensure_vm_bridge "hv$k" # also on a host started by an older version of this script
    hosts+=("hv$k")
    # libvirtd probes QEMU at start (~8 s the first time) into the shared /var/cache/libvirt:
    # starting the hosts one after the other lets hv2.. find it cached. This also fails early,
    # with a pointer to the log, if QEMU cannot be used at all.
    if [ "$k" -eq 1 ]; then
      VIRSH_TIMEOUT=120 host_virsh hv1 domcapabilities --virttype "$(domain_type)" --arch x86_64 >/dev/null \
        || die "hv1: QEMU capability probe failed; see $D/hosts/hv1/log/libvirtd.log"
    fi
  done
  write_summary "${hosts[@]}"
  log "$n host(s) up in $((SECONDS - started)) s; summary: $D/hosts.env, $D/hosts.json"
}

cmd_down() {
  local purge=false h
  [ "${1:-}" = "--purge" ] && purge=true
  [ "$(id -u)" -eq 0 ] || die "needs root"
  serialize
  for h in $(known_hosts); do
    stop_host "$h"
  done
  ip link del "$BRIDGE" 2>/dev/null && log "removed bridge $BRIDGE" || true
  rm -f "$D/hosts.env" "$D/hosts.json"
  if $purge; then
    rm -rf "$D"
    log "removed $D"
  fi
  log "down"
}

cmd_status() {
  local h any=false all=true n
  for h in $(known_hosts); do
    any=true
    if host_up "$h"; then
      n=$(host_virsh "$h" list --name 2>/dev/null | grep -c . || true)
      echo "$h up   $(host_tcp_uri "$h")  $(host_unix_uri "$h")  running domains: $n"
    else
      echo "$h DOWN (namespace vmha-$h exists, libvirtd does not answer)"
      all=false
    fi
  done
  $any || { echo "no vmha test hosts"; return 1; }
  $all
}

cmd_crash() {
  local h=${1:?crash: which host, e.g. hv2} pids
  ip netns list | awk '{print $1}' | grep -qx "vmha-$h" || die "no host $h"
  mapfile -t pids < <(ip netns pids "vmha-$h")
  [ ${#pids[@]} -eq 0 ] || kill -9 "${pids[@]}" 2>/dev/null || true
  log "$h crashed (all its processes SIGKILLed; its namespace and address stay)"
}

cmd_network() {
  local h=${1:?network: which host, e.g. hv2} state=${2:?network $1: down or up}
  case "$state" in down | up) ;; *) die "network $h: down or up, not '$state'" ;; esac
  ip netns exec "vmha-$h" ip link set "$VM_UPLINK-sw" "$state" || die "$h has no VM network uplink"
  log "$h VM network uplink $state"
}

cmd_link() {
  local state=$1 h=${2:?which host, e.g. hv2}
  ip link set "vmha-$h-br" "$state" || die "no link for $h"
  log "$h link $state"
}

# A migration network that stalls while the hosts' control link stays up: the target's answers on
# its migration ports are held back (htb class of 8 bit/s), so the source's stream stops moving.
cmd_migration_link() {
  local h=${1:?which host, e.g. hv2} state=${2:?stall or heal}
  local in=(ip netns exec "vmha-$h")
  "${in[@]}" tc qdisc del dev eth0 root 2>/dev/null || true
  case "$state" in
    stall)
      "${in[@]}" tc qdisc add dev eth0 root handle 1: htb default 20
      "${in[@]}" tc class add dev eth0 parent 1: classid 1:10 htb rate 8bit ceil 8bit 2>/dev/null
      "${in[@]}" tc class add dev eth0 parent 1: classid 1:20 htb rate 10gbit 2>/dev/null
      # 49152-49215: libvirt's default migration_port_min..max
      "${in[@]}" tc filter add dev eth0 parent 1: protocol ip prio 1 u32 \
        match ip sport 49152 0xffc0 flowid 1:10
      ;;
    heal) ;;
    *) die "migration-link $h: stall or heal, not $state" ;;
  esac
  log "$h migration link $state"
}

case "${1:-}" in
  up) cmd_up "${2:-3}" ;;
  down) cmd_down "${2:-}" ;;
  status) cmd_status ;;
  crash) cmd_crash "${2:-}" ;;
  isolate) cmd_link down "${2:-}" ;;
  rejoin) cmd_link up "${2:-}" ;;
  storage) cmd_storage "${2:-}" "${3:-}" ;;
  migration-link) cmd_migration_link "${2:-}" "${3:-}" ;;
  network) cmd_network "${2:-}" "${3:-}" ;;
  _in-host) in_host "$2" ;;
  *) sed -n '2,22p' "$SCRIPT"; exit 2 ;;
esac
