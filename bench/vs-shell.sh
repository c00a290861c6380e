#!/usr/bin/env bash
# Deploy and rollback wall times of the tool against bench/shell-baseline.sh on the same stack
# shape, run alternately. Also prints the tool's own overhead: wall time minus the time spent
# inside docker and compose calls (from deploy --json's external_ms).
#   bench/vs-shell.sh [rounds] [--fast]   (default 5; needs dev/local-engine.sh up and tests/images/build.sh)
# --fast runs the tool through ./install-fast's launchers instead of JBang.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rounds="${1:-5}"
fast="${2:-}"
registry="127.0.0.1:${SEISEI_REGISTRY_PORT:-5000}"
app="$registry/seisei-test/app"
work=$(mktemp -d /tmp/seisei-vs-XXXXXX)
trap 'for s in vs-tool-staging vs-shell-staging; do docker ps -aq --filter label=com.docker.compose.project=$s | xargs -r docker rm -f >/dev/null; done; rm -rf "$work"' EXIT
for s in vs-tool-staging vs-shell-staging; do
  mkdir -p "$work/src/$s"
  printf 'version: "2.4"\nservices:\n  web:\n    image: ${IMAGE_REF}\n    network_mode: host\n    environment:\n      PORT: ${APP_PORT}\n' >"$work/src/$s/docker-compose.yml"
  echo "{\"images\":[{\"repository\":\"$app\"}]}" >"$work/src/$s/stack.json"
done
echo "APP_PORT=18991" >"$work/src/vs-tool-staging/.env"
echo "APP_PORT=18992" >"$work/src/vs-shell-staging/.env"
export NO_COLOR=1 SEISEI_ACTOR=bench SEISEI_SOURCE="$work/src"   # deploy reads it; rollback has no --source
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
if [ "$fast" = --fast ]; then
  "$repo/install-fast" "$work/fast" >/dev/null
  tool() { "$work/fast/bin/seisei-$1" "${@:2}" --root "$work/tool"; }
else
  tool() { "$repo/jbang" "$repo/$1.java" "${@:2}" --root "$work/tool"; }
fi
shell() { "$repo/bench/shell-baseline.sh" "$@"; }

tool deploy vs-tool-staging staging v1 >/dev/null 2>&1
shell deploy "$work/shell" "$work/src" vs-shell-staging v1 "$app"
td=(); sd=(); tr=(); sr=(); ov=()
for i in $(seq 1 "$rounds"); do
  tag=v2; [ $((i % 2)) = 0 ] && tag=v3
  t0=$(now); out=$(tool deploy vs-tool-staging staging "$tag" --json 2>/dev/null); t1=$(now)
  td+=("$(ms "$t0" "$t1")")
  ext=$(echo "$out" | awk -F': ' '/"external_ms"/{gsub(/[^0-9]/,"",$2); print $2}')
  ov+=("$(( $(ms "$t0" "$t1") - ext ))")
  t0=$(now); shell deploy "$work/shell" "$work/src" vs-shell-staging "$tag" "$app"; t1=$(now)
  sd+=("$(ms "$t0" "$t1")")
  prev_shell=$(ls "$work/shell/releases/stacks/vs-shell-staging" | sort | tail -2 | head -1)
  t0=$(now); tool rollback vs-tool-staging staging >/dev/null 2>&1; t1=$(now)
  tr+=("$(ms "$t0" "$t1")")
  t0=$(now); shell rollback "$work/shell" vs-shell-staging "$prev_shell"; t1=$(now)
  sr+=("$(ms "$t0" "$t1")")
  echo "round $i: deploy tool ${td[-1]} ms (own overhead ${ov[-1]} ms) / shell ${sd[-1]} ms; rollback tool ${tr[-1]} ms / shell ${sr[-1]} ms"
done
m() { printf '%s\n' "$@" | median; }
mtd=$(m "${td[@]}"); msd=$(m "${sd[@]}"); mtr=$(m "${tr[@]}"); msr=$(m "${sr[@]}"); mov=$(m "${ov[@]}")
echo "median deploy: tool $mtd ms, shell $msd ms, ratio $(awk "BEGIN{printf \"%.2f\", $mtd/$msd}") (goal <= 1.00)"
echo "median rollback: tool $mtr ms, shell $msr ms, ratio $(awk "BEGIN{printf \"%.2f\", $mtr/$msr}") (goal <= 1.00)"
echo "median deploy overhead outside docker/compose: $mov ms (goal <= 500 ms)"
echo "tool started through: $([ "$fast" = --fast ] && echo "install-fast (jar + CDS)" || echo jbang)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, engine $(docker version --format '{{.Server.Version}}')"
