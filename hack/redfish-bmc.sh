#!/usr/bin/env bash
# A Redfish BMC emulator for the power-fencing tests: sushy-tools (OpenStack, Apache-2.0), whose
# sushy-emulator serves fake ComputerSystems over HTTPS with basic auth. The tests start and stop
# it themselves (io.vmha.testbed.RedfishBmcs); this script only installs it.
#
#   hack/redfish-bmc.sh install   a Python venv with sushy-tools in $VMHA_SUSHY_VENV
#                                 (default /var/lib/vmha-test-hosts/sushy-venv); idempotent, and
#                                 instant when that version is already there
#   hack/redfish-bmc.sh status    whether it is installed (exit 0 only if it is)
#
# Needs python3 with its venv module (Debian: python3-venv) and access to PyPI. Nothing runs as a
# service and nothing needs root, except writing under /var/lib (point VMHA_SUSHY_VENV elsewhere).
set -euo pipefail

SUSHY_VERSION=2.2.0
VENV=${VMHA_SUSHY_VENV:-/var/lib/vmha-test-hosts/sushy-venv}

log() { echo "redfish-bmc: $*"; }
die() { echo "redfish-bmc: ERROR: $*" >&2; exit 1; }

installed_version() {
  [ -x "$VENV/bin/sushy-emulator" ] && [ -x "$VENV/bin/python" ] || return 1
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("sushy-tools"))' 2>/dev/null
}

install() {
  local have
  if have=$(installed_version) && [ "$have" = "$SUSHY_VERSION" ]; then
    log "sushy-tools $SUSHY_VERSION already installed in $VENV"
    return 0
  fi
  command -v python3 >/dev/null 2>&1 || die "no python3: install it (Debian: apt-get install python3 python3-venv)"
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating a Python venv in $VENV"
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  fi
  log "installing sushy-tools $SUSHY_VERSION${have:+ (had $have)} into $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "sushy-tools==$SUSHY_VERSION"
  # the emulator reads bcrypt hashes from its htpasswd file; sushy-tools brings bcrypt, but the
  # tests make their hash with it too, so fail here rather than in every test
  "$VENV/bin/python" -c 'import bcrypt' || die "bcrypt did not install into $VENV"
  log "installed: $("$VENV/bin/sushy-emulator" --help >/dev/null && echo "$VENV/bin/sushy-emulator")"
}

case "${1:-}" in
  install) install ;;
  status)
    if have=$(installed_version); then
      log "sushy-tools $have in $VENV"
    else
      log "not installed in $VENV: run hack/redfish-bmc.sh install"
      exit 1
    fi
    ;;
  -h|--help|"") sed -n '2,12p' "$0"; [ -n "${1:-}" ] ;;
  *) die "unknown command: $1 (install, status)" ;;
esac
