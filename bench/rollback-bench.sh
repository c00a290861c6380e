#!/usr/bin/env bash
# Rollback wall time next to the bare `up -d --force-recreate` + health wait it performs.
#   bench/rollback-bench.sh [rounds] [--fast]   (default 5; needs dev/local-engine.sh up and tests/images/build.sh)
# --fast runs the tool through ./install-fast's launchers instead of JBang.
# Prints per-round figures and the medians; goal: rollback <= bare up + health wait + 1 s.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rounds="${1:-5}"
fast="${2:-}"
registry="127.0.0.1:${SEISEI_REGISTRY_PORT:-5000}"
work=$(mktemp -d /tmp/seisei-bench-XXXXXX)
stack=bench-rollback-staging
port=18990
trap 'docker ps -aq --filter label=com.docker.compose.project=$stack | xargs -r docker rm -f >/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/src/$stack"
cat >"$work/src/$stack/docker-compose.yml" <<YML
version: "2.4"
services:
  web:
    image: \${IMAGE_REF}
    network_mode: host
    environment:
      PORT: \${APP_PORT}
YML
echo "APP_PORT=$port" >"$work/src/$stack/.env"
echo "{\"images\":[{\"repository\":\"$registry/seisei-test/app\"}]}" >"$work/src/$stack/stack.json"
export NO_COLOR=1 SEISEI_ACTOR=bench SEISEI_SOURCE="$work/src"   # deploy reads it; rollback has no --source
if [ "$fast" = --fast ]; then
  "$repo/install-fast" "$work/fast" >/dev/null
  run() { "$work/fast/bin/seisei-$1" "${@:2}" --root "$work/root" >/dev/null 2>&1; }
else
  run() { "$repo/jbang" "$repo/$1.java" "${@:2}" --root "$work/root" >/dev/null 2>&1; }
fi
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run deploy "$stack" staging v1
r1=$(readlink "$work/root/stacks/$stack"); r1=${r1##*/}
run deploy "$stack" staging v2
r2=$(readlink "$work/root/stacks/$stack"); r2=${r2##*/}
compose=(docker-compose); docker compose version >/dev/null 2>&1 && compose=(docker compose)
tool=(); bare=()
for i in $(seq 1 "$rounds"); do
  if [ $((i % 2)) = 1 ]; then target=$r1; else target=$r2; fi
  t0=$(now); run rollback "$stack" staging --to "$target"; t1=$(now)
  tool+=("$(ms "$t0" "$t1")")
  rel=$(readlink "$work/root/stacks/$stack")
  # the same work by hand: up -d --force-recreate in the release dir, then poll health
  t0=$(now)
  "${compose[@]}" -p "$stack" --project-directory "$rel" -f "$rel/docker-compose.yml" up -d --force-recreate >/dev/null 2>&1
  cid=$(docker ps -q --filter label=com.docker.compose.project=$stack)
  until [ "$(docker inspect -f '{{.State.Health.Status}}' "$cid")" = healthy ]; do sleep 0.1; done
  t1=$(now)
  bare+=("$(ms "$t0" "$t1")")
  echo "round $i: rollback ${tool[-1]} ms, bare up + health wait ${bare[-1]} ms"
done
mt=$(printf '%s\n' "${tool[@]}" | median); mb=$(printf '%s\n' "${bare[@]}" | median)
echo "median rollback: $mt ms; median bare up + health wait: $mb ms; overhead: $((mt - mb)) ms (goal <= 1000 ms)"
echo "tool started through: $([ "$fast" = --fast ] && echo "install-fast (jar + CDS)" || echo jbang)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(docker version --format '{{.Server.Version}}') engine, $("${compose[@]}" version --short 2>/dev/null || echo compose)"
