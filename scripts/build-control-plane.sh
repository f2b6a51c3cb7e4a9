#!/usr/bin/env bash
# Builds etcd, kube-apiserver/kube-controller-manager/kube-scheduler (one multi-call
# binary) and kwok from the Go module proxy, once per version set, into a cache outside
# the clone so every clone on this machine reuses them. Prints the bin directory.
set -euo pipefail

K8S_VERSION=v1.34.2
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
here="$(cd "$(dirname "$0")/.." && pwd)"
src="$here/packages/sandbox/control-plane"
cache="${LOCKSTEP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lockstep}"
bin="$cache/control-plane/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"

# A warm cache needs no Go.
if [ -x "$bin/kube" ] && [ -x "$bin/etcd" ] && [ -x "$bin/kwok" ] && [ -d "$bin/kwok-stages" ]; then
  echo "$bin"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "build-control-plane: Go is missing; install Go >= 1.24 (https://go.dev/dl) to build the Kubernetes control plane" >&2
  exit 1
fi
mkdir -p "$bin.partial"
log() { echo "build-control-plane: $*" >&2; }
started=$SECONDS

# Each step leaves its binary in $bin.partial, so an interrupted build resumes where it stopped.
if [ ! -x "$bin.partial/etcd" ]; then
  log "building etcd $ETCD_VERSION"
  (cd "$src/etcd" && go build -trimpath -o "$bin.partial/etcd.tmp" .) >&2
  mv "$bin.partial/etcd.tmp" "$bin.partial/etcd"
fi
if [ ! -x "$bin.partial/kube" ]; then
  log "building kube-apiserver, kube-controller-manager, kube-scheduler $K8S_VERSION (about 10 minutes cold on 2 cores)"
  minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  (cd "$src/kube" && go build -trimpath -v -o "$bin.partial/kube.tmp" \
  -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean" \
  . 2>&1 | awk '{ n++; if (n % 200 == 0) { printf "build-control-plane:   %d packages compiled\n", n > "/dev/stderr" } }')
  mv "$bin.partial/kube.tmp" "$bin.partial/kube"
fi
if [ ! -x "$bin.partial/kwok" ]; then
  log "building kwok $KWOK_VERSION"
  GOBIN="$bin.partial/gobin" go install -trimpath "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >&2
  mv "$bin.partial/gobin/kwok" "$bin.partial/kwok" && rm -rf "$bin.partial/gobin"
fi
# kwok refuses to start without stages; its module ships them under kustomize/stage.
stages="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
rm -rf "$bin.partial/kwok-stages" && mkdir -p "$bin.partial/kwok-stages"
cp "$stages/node/fast/node-initialize.yaml" "$stages/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
  "$stages/pod/fast/pod-ready.yaml" "$stages/pod/fast/pod-complete.yaml" "$stages/pod/fast/pod-delete.yaml" \
  "$bin.partial/kwok-stages/"
chmod -R u+w "$bin.partial"
rm -rf "$bin" && mv "$bin.partial" "$bin"
log "done in $((SECONDS - started)) s"
echo "$bin"
