#!/usr/bin/env bash
# Builds the proxy image from Debian's caddy and pushes it:  proxy/build.sh registry.example.com/shop/proxy:1
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ref="${1:?usage: build.sh IMAGE_REF}"
command -v caddy >/dev/null || { echo "caddy is not installed (apt install caddy)" >&2; exit 1; }
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
bin=$(command -v caddy)
for f in "$bin" $(ldd "$bin" | grep -o '/[^ ]*'); do
  mkdir -p "$ctx$(dirname "$f")"
  cp -L "$f" "$ctx$f"
done
cp "$here/Caddyfile" "$here/Dockerfile" "$ctx/"
docker build -t "$ref" "$ctx"
docker push "$ref"
