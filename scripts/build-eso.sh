#!/usr/bin/env bash
# Builds ESO's controller (external-secrets v0.16.2) from its Go module through the wrapper
# module in bench/eso, once, into a cache outside the clone, and copies ESO's CRDs beside it.
# Used by `make bench` for the side-by-side scenario. Prints the directory.
set -euo pipefail

ESO_VERSION=v0.16.2
here="$(cd "$(dirname "$0")/.." && pwd)"
src="$here/bench/eso"
cache="${LOCKSTEP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lockstep}"
out="$cache/eso/external-secrets-$ESO_VERSION"

# A warm cache needs no Go.
if [ -x "$out/external-secrets" ] && [ -d "$out/crds" ]; then
  echo "$out"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "build-eso: Go is missing; install Go >= 1.24 (https://go.dev/dl) to build ESO for the bench" >&2
  exit 1
fi
mkdir -p "$out.partial"
log() { echo "build-eso: $*" >&2; }
started=$SECONDS

# `go build -v` names each package (counted); anything with a space is a compiler message.
# The binary lands in $out.partial only when linked, so an interrupted build resumes from
# Go's build cache and the copy of the CRDs is redone.
if [ ! -x "$out.partial/external-secrets" ]; then
  log "building external-secrets $ESO_VERSION (10+ minutes cold on 2 cores)"
  (cd "$src" && go build -trimpath -v -ldflags "-s -w" -o "$out.partial/external-secrets.tmp" . 2>&1 |
    awk '/ |^#/ { print > "/dev/stderr"; next } { n++; if (n % 200 == 0) { printf "build-eso:   %d packages compiled\n", n > "/dev/stderr" } }')
  mv "$out.partial/external-secrets.tmp" "$out.partial/external-secrets"
fi
crds="$(cd "$src" && go list -m -f '{{.Dir}}' github.com/external-secrets/external-secrets)/config/crds/bases"
rm -rf "$out.partial/crds" && mkdir -p "$out.partial/crds"
cp "$crds"/*.yaml "$out.partial/crds/" && rm -f "$out.partial/crds/kustomization.yaml"
chmod -R u+w "$out.partial"
rm -rf "$out" && mv "$out.partial" "$out"
log "done in $((SECONDS - started)) s"
echo "$out"
