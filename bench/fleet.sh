#!/usr/bin/env bash
# status over a root of many stacks, against status of one deployed stack and of an empty root,
# through JBang and through the fast path of ./install-fast.
# One stack is deployed for real (fleet source: one busybox web service); the root of N stacks
# holds N copies of its release dir and manifest under other stack names, each with a container
# created with the labels compose gives its containers (project, service, working dir) on the
# pinned image. RUNNING of them are started (without the image's 0.3 s healthcheck, which would
# run 1,000 probes a second on 300 containers); the others stay created, so status calls them
# unhealthy. Goals (issue 19): N=300 <= 1.0 s on the fast path, <= one stack + 1.5 s through JBang;
# one stack <= empty root + 0.3 s.
#   bench/fleet.sh [stacks] [running] [runs]      defaults 300 300 5
# FLEET_FAST=PREFIX uses the launchers of an earlier `./install-fast PREFIX` of this tree instead of
# installing afresh.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
n="${1:-300}" running="${2:-$n}" runs="${3:-5}"
registry="127.0.0.1:${SEISEI_REGISTRY_PORT:-5000}"
work=$(mktemp -d /tmp/seisei-fleet-XXXXXX)
tag="fl$$"
one="${tag}one-staging"
cleanup() {
  docker ps -aq --filter "label=seisei.bench=$tag" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker ps -aq --filter "label=com.docker.compose.project=$one" | xargs -r docker rm -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export NO_COLOR=1 SEISEI_ACTOR=bench
mkdir -p "$work/src/$one"
printf 'version: "2.4"\nservices:\n  web:\n    image: ${IMAGE_REF}\n    network_mode: host\n    environment:\n      PORT: ${APP_PORT}\n' >"$work/src/$one/docker-compose.yml"
echo "APP_PORT=18994" >"$work/src/$one/.env"
echo "{\"images\":[{\"repository\":\"$registry/seisei-test/app\"}]}" >"$work/src/$one/stack.json"
fastdir="${FLEET_FAST:-$work/fast}"
[ -n "${FLEET_FAST:-}" ] || "$repo/install-fast" "$fastdir" >/dev/null
fast() { "$fastdir/bin/seisei-$1" "${@:2}"; }
viajbang() { "$repo/jbang" "$repo/$1.java" "${@:2}"; }
fast deploy "$one" staging v1 --root "$work/one" --source "$work/src" >/dev/null 2>&1

# the root of N stacks: copies of the deployed release and its manifest, each with its container
rel=$(readlink "$work/one/stacks/$one"); rid=$(basename "$rel")
image=$(awk -F= '/^IMAGE_REF=/{print $2}' "$rel/.env")
big="$work/big"
mkdir -p "$big/stacks" "$big/releases/current" "$big/releases/stacks"
cp "$work/one/releases/deploy_history.log" "$big/releases/"
for i in $(seq 1 "$n"); do
  s=$(printf '%sn%03d-staging' "$tag" "$i")
  d="$big/releases/stacks/$s/$rid"
  mkdir -p "$(dirname "$d")"
  cp -a "$rel" "$d"
  sed -i "s#$one#$s#g; s#$work/one/#$big/#g" "$d/release.json" "$d/.manifest.json"
  ln -s "$d" "$big/stacks/$s"
  ln -s "../../stacks/$s/.manifest.json" "$big/releases/current/$s.json"
  docker create --name "${s}_web_1" --label "seisei.bench=$tag" --label "com.docker.compose.project=$s" \
    --label com.docker.compose.service=web --label "com.docker.compose.project.working_dir=$d" \
    --network host --no-healthcheck -e "PORT=$((19000 + i))" "$image" >/dev/null
done
if [ "$running" -gt 0 ]; then
  docker ps -aq --filter "label=seisei.bench=$tag" | head -n "$running" | xargs -r docker start >/dev/null
fi
mkdir -p "$work/empty"

once_ms() { local t0; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A t
cases=("empty:--root $work/empty" "one:--root $work/one" "fleet:--root $big" "prometheus:--root $big --format prometheus")
for how in fast viajbang; do
  for c in "${cases[@]}"; do $how status ${c#*:} >/dev/null 2>&1 || true; done   # warm: jbang's build cache, the page cache
  for _ in $(seq 1 "$runs"); do   # the cases alternate, so a busy moment weighs on all alike
    for c in "${cases[@]}"; do t[$how.${c%%:*}]+="$(once_ms $how status ${c#*:}) "; done
  done
done
m() { printf '%s\n' ${t[$1]} | median; }
echo "root of $n stacks ($running with a running container), $runs runs each, medians:"
for how in fast viajbang; do
  e=$(m $how.empty); o=$(m $how.one); f=$(m $how.fleet); p=$(m $how.prometheus)
  label=$([ $how = fast ] && echo "install-fast" || echo "jbang")
  echo "$label: empty root $e ms, one stack $o ms (+$((o - e)) ms, goal <= +300), $n stacks $f ms (one stack +$((f - o)) ms), --format prometheus $p ms"
  echo "$label: all runs (ms): empty ${t[$how.empty]}| one ${t[$how.one]}| $n stacks ${t[$how.fleet]}| prometheus ${t[$how.prometheus]}"
done
echo "goals: $n stacks <= 1000 ms on install-fast; <= one stack + 1500 ms through jbang"
prom=$(fast status --root "$big" --format prometheus 2>/dev/null || true)
echo "of the $n stacks: $(echo "$prom" | grep -c '^seisei_stack_healthy{.*} 1$') healthy, $(echo "$prom" | grep -c '^seisei_stack_agree{.*} 1$') agree"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1), engine $(docker version --format '{{.Server.Version}}'), $(docker ps -q | wc -l) containers running on it"
