#!/usr/bin/env bash
# Makes sure a local Docker engine, Compose and a registry on 127.0.0.1 run here.
#   dev/local-engine.sh up     install what is missing (apt; caddy kept stopped), start dockerd and the registry
#   dev/local-engine.sh down   stop the registry and the dockerd this script started
#   dev/local-engine.sh ssh    install openssh-server and sudo if missing (for CiPipelinesIT only;
#                              it starts its own sshd on 127.0.0.1 and stops it again)
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
  # RegistryAccessIT: bcrypt htpasswd, a private CA, a network namespace for a non-loopback registry;
  # SwarmTwoNodeIT: network namespaces joined by a veth pair, a TLS registry (util-linux gives nsenter)
  command -v htpasswd >/dev/null || need+=(apache2-utils)
  command -v openssl >/dev/null || need+=(openssl)
  command -v ip >/dev/null || need+=(iproute2)
  command -v promtool >/dev/null || need+=(prometheus)   # promtool checks status --format prometheus
  apt_install "${need[@]}"
  install_caddy
}

# caddy, for ZeroDowntimeIT: its binary goes into the proxy image the test builds; the package's
# own Caddy (port 80) is kept stopped and disabled.
install_caddy() {
  command -v caddy >/dev/null && return
  apt_install_stopped "caddy.service" caddy
}

# Installs packages whose install would also start a service and enable it at boot: a policy-rc.d
# (the one a container has, else one of ours for the install) keeps it stopped, and when ours was
# used the units named in $1 (the services of packages newly installed) are disabled again.
apt_install_stopped() { # "units" packages...
  local units=$1 policy=/usr/sbin/policy-rc.d ours=""
  shift
  [ $# -gt 0 ] || return 0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && ours=1
  fi
  apt_install "$@" || { [ -z "$ours" ] || rm -f "$policy"; exit 1; }
  if [ -n "$ours" ]; then
    rm -f "$policy"
    # shellcheck disable=SC2086
    if [ -n "$units" ] && command -v systemctl >/dev/null; then systemctl disable $units >/dev/null 2>&1 || true; fi
  fi
}

apt_install() {
  [ $# -gt 0 ] || return 0
  [ "$(id -u)" = 0 ] || { log "missing $*; run as root or install them"; exit 1; }
  log "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "$@" >&2
}

# openssh-server, sudo and jq, only for the test that runs the CI examples over SSH (CiPipelinesIT);
# it starts an sshd of its own on 127.0.0.1 and stops it again. Installing openssh-server would
# also start sshd on port 22 and enable it at boot: a policy-rc.d (the one a container has, else
# one of ours for the install) keeps it stopped, and the service is disabled again.
install_ssh() {
  local need=() units=""
  [ -x /usr/sbin/sshd ] || { need+=(openssh-server); units="ssh.service ssh.socket"; }
  command -v sudo >/dev/null || need+=(sudo)
  command -v ssh >/dev/null || need+=(openssh-client)
  command -v jq >/dev/null || need+=(jq)
  apt_install_stopped "$units" "${need[@]}"
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
  ssh)
    install_ssh
    ;;
  down)
    for f in registry dockerd; do
      if [ -f "$work/$f.pid" ]; then kill "$(cat "$work/$f.pid")" 2>/dev/null || true; rm -f "$work/$f.pid"; fi
    done
    ;;
  *) echo "usage: $0 up|down|ssh" >&2; exit 2 ;;
esac
