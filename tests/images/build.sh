#!/usr/bin/env bash
# Builds the test images FROM scratch with the static busybox and pushes them to the local
# registry: REGISTRY/seisei-test/app:v1 v2 v3 (healthy, serve /version) and :broken
# (its healthcheck always fails).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
registry="${1:-127.0.0.1:${SEISEI_REGISTRY_PORT:-5000}}"
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
build() { # kind tag
  rm -rf "$ctx/$2"; mkdir -p "$ctx/$2"
  cp /bin/busybox "$ctx/$2/busybox"
  cp "$here/$1/Dockerfile" "$ctx/$2/Dockerfile"
  echo "$2" >"$ctx/$2/version"
  DOCKER_BUILDKIT=0 docker build -q -t "$registry/seisei-test/app:$2" "$ctx/$2" >/dev/null 2>&1 \
    || DOCKER_BUILDKIT=0 docker build -t "$registry/seisei-test/app:$2" "$ctx/$2" >&2
  docker push -q "$registry/seisei-test/app:$2" >/dev/null 2>&1 || docker push "$registry/seisei-test/app:$2" >&2
}
for t in v1 v2 v3; do build app "$t"; done
build broken broken
echo "[images] pushed $registry/seisei-test/app:{v1,v2,v3,broken}" >&2
