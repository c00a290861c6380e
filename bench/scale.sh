#!/usr/bin/env bash
# status and rollback against a 1,000,000-line history and 1,000 release dirs, compared with the
# same stack and an empty history (goal: at most 50 ms slower). The release dirs and history are
# synthetic; the stack's live release runs on the real engine.
#   bench/scale.sh [lines] [releases] [runs]      defaults 1000000 1000 5
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
lines="${1:-1000000}" releases="${2:-1000}" runs="${3:-5}"
registry="127.0.0.1:${SEISEI_REGISTRY_PORT:-5000}"
work=$(mktemp -d /tmp/seisei-scale-XXXXXX)
stack=scale-staging
trap 'docker ps -aq --filter label=com.docker.compose.project=$stack | xargs -r docker rm -f >/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/src/$stack"
printf 'version: "2.4"\nservices:\n  web:\n    image: ${IMAGE_REF}\n    network_mode: host\n    environment:\n      PORT: ${APP_PORT}\n' >"$work/src/$stack/docker-compose.yml"
echo "APP_PORT=18993" >"$work/src/$stack/.env"
echo "{\"images\":[{\"repository\":\"$registry/seisei-test/app\"}]}" >"$work/src/$stack/stack.json"
export NO_COLOR=1 SEISEI_ACTOR=bench
"$repo/install-fast" "$work/fast" >/dev/null
tool() { "$work/fast/bin/seisei-$1" "${@:2}"; }
for root in small big; do
  tool deploy "$stack" staging v1 --root "$work/$root" --source "$work/src" >/dev/null 2>&1
  tool deploy "$stack" staging v2 --root "$work/$root" --source "$work/src" >/dev/null 2>&1
done
# 1,000 more release dirs of the stack (copies of a real one) and a long history of other stacks
rel=$(ls "$work/big/releases/stacks/$stack" | head -1)
for i in $(seq 1 "$releases"); do
  d=$(printf 'v1__2025%02d%02dT%02d%02d%02dZ' $((i % 12 + 1)) $((i % 28 + 1)) $((i % 24)) $((i % 60)) $((i / 60 % 60)))
  [ -e "$work/big/releases/stacks/$stack/$d" ] || cp -a "$work/big/releases/stacks/$stack/$rel" "$work/big/releases/stacks/$stack/$d"
done
hist="$work/big/releases/deploy_history.log"
tail=$(mktemp); cp "$hist" "$tail"
awk -v n="$lines" 'BEGIN { for (i = 0; i < n; i++) printf "{\"at_utc\":\"2025-01-01T00:00:00Z\",\"action\":\"deploy\",\"outcome\":\"success\",\"stack\":\"other%d-staging\",\"env\":\"staging\",\"image_tag\":\"sha-%07d\",\"image_ref\":\"ghcr.io/acme/app@sha256:%064d\",\"image_digest\":\"sha256:%064d\",\"release_id\":\"sha-%07d__20250101T000000Z\",\"actor\":\"ci\",\"run_id\":\"%d\",\"break_glass\":false,\"break_glass_reason\":\"\"}\n", i % 50, i, i, i, i, i }' >"$hist"
cat "$tail" >>"$hist"; rm -f "$tail"
sync  # measure a settled disk, not the write-back of the history just made
median_ms() {
  local t=()
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq 1 "$runs"); do
    local t0; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t+=($(( ($(date +%s%N) - t0) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
echo "history: $(wc -l <"$hist") lines ($(du -h "$hist" | cut -f1)); release dirs: $(ls "$work/big/releases/stacks/$stack" | wc -l)"
# small and big alternate, so that a busy moment of the machine weighs on both alike
once_ms() { local t0; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for cmd in "status $stack" "rollback $stack staging --list" "rollback $stack staging --dry-run"; do
  tool $cmd --root "$work/small" >/dev/null 2>&1 || true; tool $cmd --root "$work/big" >/dev/null 2>&1 || true
  ts=(); tb=()
  for _ in $(seq 1 "$runs"); do ts+=("$(once_ms tool $cmd --root "$work/small")"); tb+=("$(once_ms tool $cmd --root "$work/big")"); done
  s=$(printf '%s\n' "${ts[@]}" | median); b=$(printf '%s\n' "${tb[@]}" | median)
  echo "$cmd: empty history $s ms, large $b ms, difference $((b - s)) ms (goal <= 50 ms)"
done
t0=$(date +%s%N); tool rollback "$stack" staging --root "$work/small" >/dev/null 2>&1; s=$(( ($(date +%s%N) - t0) / 1000000 ))
t0=$(date +%s%N); tool rollback "$stack" staging --root "$work/big" >/dev/null 2>&1; b=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "rollback (one run each, includes up + health): empty history $s ms, large $b ms, difference $((b - s)) ms"
