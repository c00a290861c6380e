#!/usr/bin/env bash
# Makes sure a local Docker engine, Compose and a registry on 127.0.0.1 run here.
#   dev/local-engine.sh up     install what is missing (apt), start dockerd and the registry
#   dev/local-engine.sh down   stop the registry and the dockerd this script started
# The engine runs without a bridge or iptables; containers use network_mode: host and bind
# to 127.0.0.1. The registry (port $SEISEI_REGISTRY_PORT, default 5000) has deletes enabled.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work="${SEISEI_WORK:-$here/.work}"
port="${SEISEI_REGISTRY_PORT:-5000}"
mkdir -p "$work"

log() { echo "[engine] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install_missing() {
  local need=()
  command -v dockerd >/dev/null || need+=(docker.io)
  command -v docker-compose >/dev/null || need+=(docker-compose)
  command -v docker-registry >/dev/null || need+=(docker-registry)
  [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx httpd || need+=(busybox-static)
  command -v git >/dev/null || need+=(git)
  command -v promtool >/dev/null || need+=(prometheus)   # promtool checks status --format prometheus
  if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { log "missing ${need[*]}; run as root or install them"; exit 1; }
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${need[@]}" >&2
  fi
}

start_dockerd() {
  if docker info >/dev/null 2>&1; then return; fi
  log "starting dockerd (no bridge, no iptables)"
  nohup dockerd --bridge=none --iptables=false --ip6tables=false >"$work/dockerd.log" 2>&1 &
  echo $! >"$work/dockerd.pid"
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && return
    sleep 0.5
  done
  log "dockerd did not start; see $work/dockerd.log"; tail -20 "$work/dockerd.log" >&2; exit 1
}

start_registry() {
  if port_open "$port"; then return; fi
  log "starting a registry on 127.0.0.1:$port"
  mkdir -p "$work/registry/data"
  cat >"$work/registry/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $work/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YML
  nohup docker-registry serve "$work/registry/config.yml" >"$work/registry.log" 2>&1 &
  echo $! >"$work/registry.pid"
  for _ in $(seq 1 60); do
    port_open "$port" && return
    sleep 0.25
  done
  log "the registry did not start; see $work/registry.log"; exit 1
}

case "${1:-up}" in
  up)
    install_missing
    start_dockerd
    start_registry
    log "engine $(docker version --format '{{.Server.Version}}'), registry 127.0.0.1:$port"
    ;;
  down)
    for f in registry dockerd; do
      if [ -f "$work/$f.pid" ]; then kill "$(cat "$work/$f.pid")" 2>/dev/null || true; rm -f "$work/$f.pid"; fi
    done
    ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
