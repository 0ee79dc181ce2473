#!/usr/bin/env bash
# Build a real Kubernetes API server, etcd and helm from Go modules (via the Go
# module proxy only; no GitHub, dl.k8s.io or container registries needed) and lay
# them out the way Fabric8 kube-api-test (7.5.x) expects them.
#
# Layout produced (DIR = $VMHA_K8S_BIN_DIR, default ~/.kubeapitest, which is also
# kube-api-test's default KUBE_API_TEST_DIR):
#
#   DIR/k8s/<X.Y.Z>-linux-<arch>/kube-apiserver   built from k8s.io/kubernetes vX.Y.Z
#   DIR/k8s/<X.Y.Z>-linux-<arch>/etcd             built from go.etcd.io/etcd/server/v3
#                                                 (the version k8s.io/kubernetes pins)
#   DIR/k8s/<X.Y.Z>-linux-<arch>/kubectl          copied from `command -v kubectl`, or
#                                                 built from k8s.io/kubernetes when there is none
#   DIR/bin/helm                                  built from helm.sh/helm/v3/cmd/helm
#
# The version directory name has no leading "v" (kube-api-test parses it as
# numeric semver); only such directories may live under DIR/k8s.  helm lives in
# DIR/bin so that directory can be put on PATH without exposing anything else.
#
# Environment:
#   VMHA_K8S_BIN_DIR    target dir (default: $HOME/.kubeapitest)
#   VMHA_K8S_VERSION    Kubernetes version, with or without "v" (default below)
#   VMHA_HELM_VERSION   helm v3 version (default below)
#   VMHA_GOBUILD_DIR    scratch Go modules (default: $HOME/.cache/vmha-gobuild)
#   GOMODCACHE/GOCACHE  honoured as usual; keep them warm between runs for speed.
#
# If all four binaries are already present the script only reports their paths.
# Binaries are built into the scratch dir first and moved into place at the end,
# so an interrupted build never leaves a half-filled version directory behind.
set -euo pipefail

DEFAULT_K8S_VERSION=1.36.3
DEFAULT_HELM_VERSION=v3.22.0

start_ts=$(date +%s)
BIN_DIR="${VMHA_K8S_BIN_DIR:-$HOME/.kubeapitest}"
K8S_VERSION="${VMHA_K8S_VERSION:-$DEFAULT_K8S_VERSION}"
K8S_VERSION="${K8S_VERSION#v}"
HELM_VERSION="${VMHA_HELM_VERSION:-$DEFAULT_HELM_VERSION}"
HELM_VERSION="v${HELM_VERSION#v}"
WORK="${VMHA_GOBUILD_DIR:-$HOME/.cache/vmha-gobuild}"

case "$(uname -m)" in
  x86_64 | amd64) ARCH=amd64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  ppc64le) ARCH=ppc64le ;;
  *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
if [[ ! "$K8S_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "VMHA_K8S_VERSION must look like 1.33.13, got '$K8S_VERSION'" >&2
  exit 1
fi

K8S_DIR="$BIN_DIR/k8s/${K8S_VERSION}-linux-${ARCH}"
HELM_BIN="$BIN_DIR/bin/helm"

log() { printf '[build-k8s-binaries] %s\n' "$*" >&2; }
elapsed() { echo "$(( $(date +%s) - start_ts ))s"; }

report() {
  log "kube-apiserver: $K8S_DIR/kube-apiserver"
  log "etcd:           $K8S_DIR/etcd"
  log "kubectl:        $K8S_DIR/kubectl"
  log "helm:           $HELM_BIN"
  # String-valued env vars only: kube-api-test 7.5.2 reads boolean/int env vars
  # (KUBE_API_TEST_OFFLINE_MODE, ..._STARTUP_TIMEOUT) with Class.cast -> ClassCastException.
  log "use: KUBE_API_TEST_DIR=$BIN_DIR KUBE_API_TEST_API_SERVER_VERSION=$K8S_VERSION PATH=$(dirname "$HELM_BIN"):\$PATH"
}

need_apiserver=true need_etcd=true need_kubectl=true need_helm=true
[[ -x "$K8S_DIR/kube-apiserver" ]] && need_apiserver=false
[[ -x "$K8S_DIR/etcd" ]] && need_etcd=false
[[ -x "$K8S_DIR/kubectl" ]] && need_kubectl=false
[[ -x "$HELM_BIN" ]] && need_helm=false

if ! $need_apiserver && ! $need_etcd && ! $need_kubectl && ! $need_helm; then
  log "all binaries already present (Kubernetes $K8S_VERSION)"
  report
  exit 0
fi

command -v go >/dev/null || { echo "go is required" >&2; exit 1; }
# Static, small binaries.  go build gets -mod=mod so that it fills go.sum of
# the scratch modules itself.
export CGO_ENABLED=0
export GOOS=linux GOARCH="$ARCH"
LDFLAGS_BASE="-s -w"
OUT="$WORK/out"
mkdir -p "$OUT"

# Print the value of a single-line directive/requirement from a go.mod file.
#   gomod_field FILE go                 -> go directive
#   gomod_field FILE <module path>      -> required version
gomod_field() {
  awk -v key="$2" '$1 == key && $2 !~ /^=>/ { print $2; exit }' "$1"
}

# Download MODULE@VERSION's go.mod via the proxy and print its local path.
gomod_of() {
  (cd "$WORK" && go mod download -json "$1@$2") | awk -F'"' '$2 == "GoMod" { print $4 }'
}

# Fresh scratch module NAME requiring MODULE@VERSION, mirroring the upstream
# module's go and godebug directives so runtime GODEBUG defaults match an
# upstream build.  Prints the scratch dir.
init_scratch_module() {
  local name=$1 module=$2 version=$3 upstream_mod=$4
  local dir="$WORK/$name"
  mkdir -p "$dir"
  rm -f "$dir/go.mod" "$dir/go.sum"
  (
    cd "$dir"
    go mod init "vmha-gobuild/$name" >/dev/null 2>&1
    local gover
    gover=$(gomod_field "$upstream_mod" go)
    go mod edit -go="$gover" -require="$module@$version"
    # godebug lines (single-line form only, which is what upstream uses)
    awk '$1 == "godebug" && $2 != "(" { print $2 }' "$upstream_mod" | while read -r kv; do
      go mod edit -godebug="$kv"
    done
  )
  echo "$dir"
}

build_apiserver() {
  local t0; t0=$(date +%s)
  local kver="v$K8S_VERSION"
  local staging_ver="v0.${K8S_VERSION#*.}"   # 1.33.13 -> v0.33.13
  local kmod; kmod=$(gomod_of k8s.io/kubernetes "$kver")
  local dir; dir=$(init_scratch_module apiserver k8s.io/kubernetes "$kver" "$kmod")
  # k8s.io/kubernetes requires its staging repos as v0.0.0 and replaces them with
  # ./staging/src/...; map each to its published v0.X.Y module instead.
  local args=() m
  while read -r m; do
    args+=("-replace=$m=$m@$staging_ver")
  done < <(awk '$2 == "=>" && $3 ~ /^\.\/staging\/src\// { print $1 }' "$kmod")
  (( ${#args[@]} > 0 )) || { echo "no staging replaces found in $kmod" >&2; exit 1; }
  (cd "$dir" && go mod edit "${args[@]}")
  log "kube-apiserver $kver (${#args[@]} staging modules at $staging_ver) in $dir"

  local major=${K8S_VERSION%%.*} minor
  minor=${K8S_VERSION#*.}; minor=${minor%%.*}
  local build_date; build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local ld="$LDFLAGS_BASE" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$kver -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitCommit= -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
  done
  K8S_SCRATCH="$dir" K8S_LDFLAGS="$ld"
  $need_apiserver || return 0
  (cd "$dir" && go build -mod=mod -trimpath -ldflags "$ld" -o "$OUT/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver)
  "$OUT/kube-apiserver" --version >&2
  log "kube-apiserver built in $(( $(date +%s) - t0 ))s"
}

# Only when there is no kubectl on PATH: the scratch module of build_apiserver has it too.
build_kubectl() {
  local t0; t0=$(date +%s)
  (cd "$K8S_SCRATCH" && go build -mod=mod -trimpath -ldflags "$K8S_LDFLAGS" -o "$OUT/kubectl" k8s.io/kubernetes/cmd/kubectl)
  "$OUT/kubectl" version --client >&2
  log "kubectl built in $(( $(date +%s) - t0 ))s"
}

build_etcd() {
  local t0; t0=$(date +%s)
  local kmod; kmod=$(gomod_of k8s.io/kubernetes "v$K8S_VERSION")
  local ever; ever=$(gomod_field "$kmod" go.etcd.io/etcd/server/v3)
  [[ -n "$ever" ]] || { echo "cannot find go.etcd.io/etcd/server/v3 in $kmod" >&2; exit 1; }
  local emod; emod=$(gomod_of go.etcd.io/etcd/server/v3 "$ever")
  local dir; dir=$(init_scratch_module etcd go.etcd.io/etcd/server/v3 "$ever" "$emod")
  log "etcd $ever in $dir"
  (cd "$dir" && go build -mod=mod -trimpath -ldflags "$LDFLAGS_BASE" -o "$OUT/etcd" go.etcd.io/etcd/server/v3)
  "$OUT/etcd" --version >&2
  log "etcd built in $(( $(date +%s) - t0 ))s"
}

build_helm() {
  local t0; t0=$(date +%s)
  local hmod; hmod=$(gomod_of helm.sh/helm/v3 "$HELM_VERSION")
  local dir; dir=$(init_scratch_module helm helm.sh/helm/v3 "$HELM_VERSION" "$hmod")
  log "helm $HELM_VERSION in $dir"
  local ld="$LDFLAGS_BASE -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  ld+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  (cd "$dir" && go build -mod=mod -trimpath -ldflags "$ld" -o "$OUT/helm" helm.sh/helm/v3/cmd/helm)
  "$OUT/helm" version --short >&2
  log "helm built in $(( $(date +%s) - t0 ))s"
}

# kubectl: the one on PATH if it is within kubectl's supported skew of the API server (one
# minor version either way); otherwise built from the same k8s.io/kubernetes module.
kubectl_src=""
if $need_kubectl; then
  kubectl_src=$(command -v kubectl || true)
  [[ -z "$kubectl_src" ]] || kubectl_src=$(readlink -f "$kubectl_src")
  if [[ -n "$kubectl_src" ]]; then
    path_minor=$("$kubectl_src" version --client 2>/dev/null | sed -nE 's/^Client Version: v1\.([0-9]+)\..*/\1/p')
    want_minor=$(echo "$K8S_VERSION" | cut -d. -f2)
    if [[ -z "$path_minor" ]] || (( path_minor < want_minor - 1 || path_minor > want_minor + 1 )); then
      log "kubectl on PATH ($kubectl_src, 1.${path_minor:-?}) is outside the skew of $K8S_VERSION; building one"
      kubectl_src=""
    fi
  fi
fi
if $need_apiserver || { $need_kubectl && [[ -z "$kubectl_src" ]]; }; then build_apiserver; fi
if $need_kubectl && [[ -z "$kubectl_src" ]]; then build_kubectl; fi
if $need_etcd; then build_etcd; fi
if $need_helm; then build_helm; fi

# Install.  A fresh version dir is assembled next to its final place and renamed,
# so kube-api-test never sees a partial one (it picks the newest dir it finds).
# The temp name deliberately does not end in -linux-<arch>.
if [[ -d "$K8S_DIR" ]]; then
  stage="$K8S_DIR"
else
  stage="$BIN_DIR/k8s/.staging-$$"
  rm -rf "$stage"
  mkdir -p "$stage"
  trap 'rm -rf "$stage"' EXIT
fi
install_bin() { install -m 0755 "$1" "$2.tmp" && mv -f "$2.tmp" "$2"; }
if $need_apiserver; then install_bin "$OUT/kube-apiserver" "$stage/kube-apiserver"; fi
if $need_etcd; then install_bin "$OUT/etcd" "$stage/etcd"; fi
if $need_kubectl; then
  if [[ -n "$kubectl_src" ]]; then
    install_bin "$kubectl_src" "$stage/kubectl"
    log "kubectl copied from $kubectl_src"
  else
    install_bin "$OUT/kubectl" "$stage/kubectl"
  fi
fi
if [[ "$stage" != "$K8S_DIR" ]]; then
  for b in kube-apiserver etcd kubectl; do
    [[ -x "$stage/$b" ]] || { echo "missing $b in $stage" >&2; exit 1; }
  done
  mv "$stage" "$K8S_DIR"
  trap - EXIT
fi
if $need_helm; then
  mkdir -p "$(dirname "$HELM_BIN")"
  install_bin "$OUT/helm" "$HELM_BIN"
fi
rm -f "$OUT"/kube-apiserver "$OUT"/etcd "$OUT"/helm "$OUT"/kubectl

report
log "total time: $(elapsed)"
