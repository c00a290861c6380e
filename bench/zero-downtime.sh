#!/usr/bin/env bash
# Requests sent, failed and the longest gap between two answers while deploy and rollback replace a
# release, with and without stack.json "rollout", on compose and on swarm: runs ZeroDowntimeIT and
# ZeroDowntimeSwarmIT (an engine of their own in a network namespace, Caddy in front, 60 requests/s
# for the whole of each case: deploy, redeploy, rollback, a deploy that never gets healthy, a
# rollback to an unhealthy release) and prints their table. Run it on a quiet machine. Needs root (a network namespace), caddy and dev/local-engine.sh up's tools.
#   bench/zero-downtime.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
figures=$(mktemp /tmp/seisei-zdt-XXXXXX)
log=$(mktemp /tmp/seisei-zdt-log-XXXXXX)
trap 'rm -f "$figures" "$log"' EXIT
if ! SEISEI_ZDT_FIGURES="$figures" "$repo/run-tests" ZeroDowntimeIT ZeroDowntimeSwarmIT >"$log" 2>&1; then
  grep -a -E '^(FAIL|SKIP)|^\[zdt\]' "$log" >&2 || tail -40 "$log" >&2
  echo "ZeroDowntimeIT or ZeroDowntimeSwarmIT failed (the log above); figures so far:" >&2
fi
cat "$figures"
