#!/usr/bin/env bash
# Checks the hosts of hack/libvirt-hosts.sh by hand, the way the operator will use them:
# start a guest on hv1, wait for its serial marker, ping its agent, live-migrate it to hv2,
# check a second domain on hv3 cannot open the same disk, then restart it on hv3 after hv2
# "crashed" (hv2 comes back through `up`). Prints the timings. Needs 3 hosts up; leaves them up
# and removes what it created. Takes ~25 s.
set -euo pipefail

HACK=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
D=${VMHA_LIBVIRT_DIR:-/var/lib/vmha-test-hosts}
[ -f "$D/hosts.env" ] || { echo "no $D/hosts.env: run hack/libvirt-hosts.sh up first" >&2; exit 1; }
# shellcheck disable=SC1091
. "$D/hosts.env"
[ "$VMHA_HOST_COUNT" -ge 3 ] || { echo "needs 3 hosts (hack/libvirt-hosts.sh up 3)" >&2; exit 1; }

NAME=vmha-smoke
DISK=$VMHA_SHARED_DIR/$NAME.qcow2
SERIAL=$VMHA_SHARED_DIR/$NAME.serial.log
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
fail() { echo "FAIL: $*" >&2; exit 1; }
wait_for() { # seconds, command...: poll until the command succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.1; done
}
ready_count() { grep -c VMHA-GUEST-READY "$SERIAL" 2>/dev/null || true; }
more_ready() { [ "$(ready_count)" -gt "$1" ]; }
last_tick() { grep VMHA-TICK "$SERIAL" | tail -n 1 | tr -d '\r' | awk '{print $2}'; }
ticks_past() { [ "$(last_tick)" -gt "$1" ]; }
agent_ping() { virsh -q -c "$1" qemu-agent-command "$NAME" '{"execute":"guest-ping"}'; }
domain_xml() { # name, disk
  sed -e "s|@NAME@|$1|" -e "s|@TYPE@|$VMHA_DOMAIN_TYPE|" -e "s|@KERNEL@|$VMHA_GUEST_KERNEL|" \
      -e "s|@INITRD@|$VMHA_GUEST_INITRD|" -e "s|@CMDLINE@|$VMHA_GUEST_CMDLINE|" \
      -e "s|@DISK@|$2|" -e "s|@SERIAL_LOG@|$VMHA_SHARED_DIR/$1.serial.log|" \
      "$HACK/libvirt-guest-example.xml"
}
cleanup() {
  local uri
  for uri in "$VMHA_HV1_URI" "$VMHA_HV2_URI" "$VMHA_HV3_URI"; do
    for dom in "$NAME" "$NAME-dup"; do
      virsh -q -c "$uri" destroy "$dom" >/dev/null 2>&1 || true
      virsh -q -c "$uri" undefine "$dom" >/dev/null 2>&1 || true
    done
  done
  rm -f "$DISK" "$SERIAL" "$VMHA_SHARED_DIR/$NAME-dup.serial.log" "$XML" "$XML_DUP"
}
XML=$(mktemp) XML_DUP=$(mktemp)
trap cleanup EXIT
cleanup

qemu-img create -q -f qcow2 -F qcow2 -b "$VMHA_BASE_IMAGE" "$DISK"
domain_xml "$NAME" "$DISK" >"$XML"
domain_xml "$NAME-dup" "$DISK" >"$XML_DUP"

virsh -q -c "$VMHA_HV1_URI" define "$XML" >/dev/null
t=$(now)
virsh -q -c "$VMHA_HV1_URI" start "$NAME" >/dev/null
wait_for 60 more_ready 0 || fail "no VMHA-GUEST-READY in $SERIAL"
echo "hv1: start -> VMHA-GUEST-READY $(since "$t") s"
wait_for 10 agent_ping "$VMHA_HV1_URI" || fail "guest-ping does not answer on hv1"
echo "hv1: guest-ping $(agent_ping "$VMHA_HV1_URI") after $(since "$t") s"
wait_for 10 ticks_past 2 || fail "no ticks"

before=$(last_tick)
t=$(now)
virsh -q -c "$VMHA_HV1_URI" migrate --live --p2p --persistent --undefinesource "$NAME" "$VMHA_HV2_URI" \
  || fail "live migration hv1 -> hv2"
echo "hv1 -> hv2: migrate --live --p2p $(since "$t") s;" \
  "$(virsh -q -c "$VMHA_HV2_URI" domjobinfo "$NAME" --completed | awk -F: '/Total downtime/ {gsub(/ +/, " "); print "downtime" $2}')"
wait_for 10 ticks_past $((before + 2)) || fail "ticks did not go on after the migration"
[ "$(ready_count)" -eq 1 ] || fail "the guest rebooted during the migration"
echo "hv2: ticks went on ($before -> $(last_tick)), guest-ping $(agent_ping "$VMHA_HV2_URI")"

virsh -q -c "$VMHA_HV3_URI" define "$XML_DUP" >/dev/null
if virsh -q -c "$VMHA_HV3_URI" start "$NAME-dup" >/dev/null 2>&1; then
  fail "hv3 started a second domain on a disk in use on hv2"
fi
virsh -q -c "$VMHA_HV3_URI" undefine "$NAME-dup" >/dev/null
echo "hv3: a second domain on the same disk is refused"

"$HACK/libvirt-hosts.sh" crash hv2 >/dev/null
last=$(last_tick)
virsh -q -c "$VMHA_HV3_URI" define "$XML" >/dev/null
t=$(now)
virsh -q -c "$VMHA_HV3_URI" start "$NAME" >/dev/null || fail "restart on hv3 after hv2 crashed"
wait_for 60 more_ready 1 || fail "no VMHA-GUEST-READY after the restart on hv3"
# The guest prints a tick before it writes it: the crash may fall in between.
disk_tick=$(grep VMHA-DISK-TICK "$SERIAL" | tail -n 1 | tr -d '\r' | awk '{print $2}')
[ "$disk_tick" -eq "$last" ] || [ "$disk_tick" -eq $((last - 1)) ] \
  || fail "the disk on hv3 says tick $disk_tick, hv2's guest had printed $last"
echo "hv2 crashed; hv3: restart -> VMHA-GUEST-READY $(since "$t") s, the disk says tick $disk_tick (last printed $last)"
"$HACK/libvirt-hosts.sh" up "$VMHA_HOST_COUNT" >/dev/null
echo "hv2 back up; smoke test OK"
