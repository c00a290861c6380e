#!/usr/bin/env bash
# The source documents' deploy.sh / rollback.sh steps in plain bash, as the baseline the tool is
# measured against: copy the release, pin IMAGE_REF, pull, switch the link, up, poll health once
# a second, write the manifest and history.
#   shell-baseline.sh deploy ROOT SOURCE STACK TAG REPOSITORY
#   shell-baseline.sh rollback ROOT STACK RELEASE_ID
set -euo pipefail
compose=(docker-compose); docker compose version >/dev/null 2>&1 && compose=(docker compose)

wait_healthy() { # stack
  for _ in $(seq 1 120); do
    cid=$(docker ps -q --filter "label=com.docker.compose.project=$1")
    [ -n "$cid" ] && [ "$(docker inspect -f '{{.State.Health.Status}}' $cid)" = healthy ] && return 0
    sleep 1
  done
  return 1
}

record() { # root stack tag ref release_id release_dir
  mkdir -p "$1/releases/current"
  cat >"$1/releases/current/$2.json.tmp" <<JSON
{"stack":"$2","image_tag":"$3","image_ref":"$4","release_id":"$5","release_dir":"$6","deployed_at_utc":"$(date -u +%Y-%m-%dT%H:%M:%SZ)"}
JSON
  mv "$1/releases/current/$2.json.tmp" "$1/releases/current/$2.json"
  echo "{\"stack\":\"$2\",\"image_tag\":\"$3\",\"release_id\":\"$5\",\"at_utc\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}" >>"$1/releases/deploy_history.log"
}

case "$1" in
  deploy)
    root=$2 src=$3 stack=$4 tag=$5 repo=$6
    reg=${repo%%/*} path=${repo#*/}
    digest=$(curl -fsSI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
      "http://$reg/v2/$path/manifests/$tag" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
    id="${tag}__$(date -u +%Y%m%dT%H%M%SZ)"
    rel="$root/releases/stacks/$stack/$id"
    [ -e "$rel" ] && rel="$rel-$$" && id="$id-$$"
    mkdir -p "$(dirname "$rel")" "$root/stacks"
    cp -a "$src/$stack" "$rel"
    sed -i '/^IMAGE_REF=/d' "$rel/.env"; echo "IMAGE_REF=$repo@$digest" >>"$rel/.env"
    "${compose[@]}" -p "$stack" --project-directory "$rel" -f "$rel/docker-compose.yml" pull -q >/dev/null 2>&1
    ln -sfn "$rel" "$root/stacks/$stack.tmp" && mv -T "$root/stacks/$stack.tmp" "$root/stacks/$stack"
    "${compose[@]}" -p "$stack" --project-directory "$rel" -f "$rel/docker-compose.yml" up -d --force-recreate >/dev/null 2>&1
    wait_healthy "$stack"
    record "$root" "$stack" "$tag" "$repo@$digest" "$id" "$rel"
    ;;
  rollback)
    root=$2 stack=$3 id=$4
    rel="$root/releases/stacks/$stack/$id"
    ln -sfn "$rel" "$root/stacks/$stack.tmp" && mv -T "$root/stacks/$stack.tmp" "$root/stacks/$stack"
    "${compose[@]}" -p "$stack" --project-directory "$rel" -f "$rel/docker-compose.yml" up -d --force-recreate >/dev/null 2>&1
    wait_healthy "$stack"
    record "$root" "$stack" "${id%%__*}" "" "$id" "$rel"
    ;;
esac
