#!/usr/bin/env bash
# Builds quill's container image from the repository's own Dockerfile and checks it the way a
# deployment would use it, then brings up docker-compose.yml (quill + PostgreSQL) and checks that.
#
#   scripts/container-test.sh PATH/TO/docker-here.sh
#
# docker-here.sh (see ../shared/containers/README.md) starts a local Docker engine and makes the
# base images locally (no registry is reachable here). Run from anywhere; uses the repository
# this script lives in as the build context. Publishes ports on 127.0.0.1 only. Containers,
# volumes and the compose stack it creates are removed on exit; the images and dockerd are
# left in place (the build cache makes the next run fast).
#
# The image is built once, from a snapshot of the work tree; compose's own build of the same
# snapshot is then a BuildKit cache hit.
#
# Environment: KEEP_DOCKERD=0 stops dockerd on exit if this script started it (default: leave it).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 PATH/TO/docker-here.sh" >&2
  exit 2
fi
HERE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/.."
root=$(pwd)

DOCKER=/usr/bin/docker
COMPOSE=(docker-compose -p quillci -f "$root/docker-compose.yml")
export DOCKER_HOST=unix:///var/run/docker.sock
IMAGE=quill:ci
NAME=quillci-app-$$        # the single-container run
NOSECRET=quillci-nosecret-$$
VOLUME=quillci-data-$$
START=$(date +%s)
tmp=$(mktemp -d)
started_dockerd=0
failed=1

step() { printf '\n==== %s (%s)\n' "$*" "$(date +%T)"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# Secrets are random for every run; the checks below make sure none of them ends up in an image.
rand() { head -c "$1" /dev/urandom | base64 -w0; }
JWT=$(rand 48)
COMPOSE_JWT=$(rand 48)
PG_PASSWORD=$(rand 24 | tr -d '/+=')

free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  fail "no free port found"
}

# Waits until URL answers 200 (or the timeout in seconds passes).
wait_http_200() {
  local url=$1 timeout=$2 code
  for _ in $(seq "$timeout"); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    [ "$code" = 200 ] && return 0
    sleep 1
  done
  fail "$url did not answer 200 within ${timeout}s (last status: ${code:-none})"
}

# Waits until the container's health status is "healthy".
wait_healthy() {
  local c=$1 timeout=$2 s=
  for _ in $(seq "$timeout"); do
    s=$($DOCKER inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}no-healthcheck{{end}}' "$c" 2>/dev/null || true)
    case "$s" in
      healthy) return 0 ;;
      no-healthcheck) fail "container $c has no health check" ;;
    esac
    [ "$($DOCKER inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" = true ] || fail "container $c is not running"
    sleep 1
  done
  $DOCKER inspect -f '{{json .State.Health}}' "$c" || true
  fail "container $c not healthy within ${timeout}s (status: $s)"
}

# POST /api/users; echoes the HTTP status.
register() {
  local base=$1 user=$2
  curl -s -o "$tmp/register.json" -w '%{http_code}' --max-time 10 \
    -H 'Content-Type: application/json' -X POST "$base/api/users" \
    -d "{\"user\":{\"username\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"password123\"}}"
}

login() {
  local base=$1 user=$2
  curl -s -o "$tmp/login.json" -w '%{http_code}' --max-time 10 \
    -H 'Content-Type: application/json' -X POST "$base/api/users/login" \
    -d "{\"user\":{\"email\":\"$user@example.com\",\"password\":\"password123\"}}"
}

# Fails if any of the secrets, or any JWT_SECRET / DB_PASSWORD / DATABASE_URL setting, is in the
# image's history or configuration.
check_no_secret() {
  local img=$1 meta=$tmp/image-meta.txt
  { $DOCKER history --no-trunc "$img"; $DOCKER image inspect "$img"; } >"$meta"
  for s in "$JWT" "$COMPOSE_JWT" "$PG_PASSWORD" local-compose-only-NOT-SECRET quill-local-only-password; do
    if grep -qF -- "$s" "$meta"; then fail "a secret value is in image $img's history or config"; fi
  done
  if grep -qE 'JWT_SECRET=|DB_PASSWORD=|DATABASE_URL=|POSTGRES_PASSWORD=' "$meta"; then
    grep -E 'JWT_SECRET=|DB_PASSWORD=|DATABASE_URL=|POSTGRES_PASSWORD=' "$meta" >&2
    fail "image $img sets a secret setting in its history or config"
  fi
  echo "no secret in image $img's history or config"
}

compose_cleanup() {
  "${COMPOSE[@]}" down -v --remove-orphans --timeout 30 >/dev/null 2>&1 || true
}

cleanup() {
  local rc=$?
  set +e
  if [ "$failed" = 1 ]; then
    echo
    echo "==== FAILED (exit $rc); diagnostics"
    for c in "$NAME" "$NOSECRET"; do
      if $DOCKER inspect "$c" >/dev/null 2>&1; then
        echo "---- docker inspect State of $c"; $DOCKER inspect -f '{{json .State}}' "$c"
        echo "---- docker logs $c (last 100 lines)"; $DOCKER logs --tail 100 "$c" 2>&1
      fi
    done
    if [ -n "$("${COMPOSE[@]}" ps -q 2>/dev/null)" ]; then
      echo "---- docker-compose ps"; "${COMPOSE[@]}" ps
      echo "---- docker-compose logs (last 100 lines per service)"; "${COMPOSE[@]}" logs --no-color --tail 100
    fi
  fi
  $DOCKER rm -f -v "$NAME" "$NOSECRET" >/dev/null 2>&1
  $DOCKER volume rm -f "$VOLUME" >/dev/null 2>&1
  compose_cleanup
  if [ "$started_dockerd" = 1 ] && [ "${KEEP_DOCKERD:-1}" = 0 ]; then "$HERE" stop; fi
  rm -rf "$tmp"
  echo "container-test: $([ "$failed" = 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - START ))s"
}
trap cleanup EXIT

###############################################################################################
step "docker engine and base images"
# Another docker-here.sh (e.g. started in the background by the machine's setup) may be making
# the base images right now: two at once would share the same work directory.
for i in $(seq 600); do
  pgrep -f '^(/[^ ]*/)?bash [^ ]*docker-here\.sh (start|base-images)$' >/dev/null || break
  [ "$i" = 1 ] && echo "waiting for another docker-here.sh to finish"
  sleep 1
done
$DOCKER info >/dev/null 2>&1 || started_dockerd=1
"$HERE" start
"$HERE" base-images
$DOCKER version -f 'engine {{.Server.Version}}, client {{.Client.Version}}'
docker-compose version --short
compose_cleanup  # a stack left by an interrupted earlier run

###############################################################################################
step "docker build (the repository's Dockerfile)"
# A '# syntax=' line makes BuildKit pull a frontend image, which cannot work here: build from a
# copy without it. Everything else is the file as committed.
# Build from a snapshot of the work tree, so that the image and the compose stack below are built
# from the same files even if the tree changes during the run (.dockerignore still applies).
ctx=$tmp/context
rsync -a --exclude /target/ --exclude /.git/ --exclude /data/ --exclude /.env "$root/" "$ctx/"
cd "$ctx"
COMPOSE=(docker-compose -p quillci -f "$ctx/docker-compose.yml")
sed '1{/^#[[:space:]]*syntax=/d}' Dockerfile >"$tmp/Dockerfile"
t0=$(date +%s)
DOCKER_BUILDKIT=1 $DOCKER build --progress=plain -f "$tmp/Dockerfile" -t "$IMAGE" . >"$tmp/build.log" 2>&1 || {
  tail -80 "$tmp/build.log"; fail "docker build failed"
}
grep -E '^#[0-9]+ (\[|DONE|CACHED)' "$tmp/build.log" | grep -E '\[|CACHED' | tail -20 || true
echo "built $IMAGE in $(( $(date +%s) - t0 ))s: $($DOCKER image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"

###############################################################################################
step "image metadata: user, health check, secrets"
user=$($DOCKER image inspect -f '{{.Config.User}}' "$IMAGE")
case "${user%%:*}" in
  "" | 0 | root) fail "image runs as root (USER '$user')" ;;
esac
echo "USER $user"
hc=$($DOCKER image inspect -f '{{if .Config.Healthcheck}}{{json .Config.Healthcheck.Test}}{{end}}' "$IMAGE")
[ -n "$hc" ] || fail "image has no HEALTHCHECK"
echo "HEALTHCHECK $hc"
check_no_secret "$IMAGE"

###############################################################################################
step "production mode refuses to start without JWT_SECRET"
set +e
timeout 60 $DOCKER run --name "$NOSECRET" "$IMAGE" >"$tmp/nosecret.log" 2>&1
rc=$?
set -e
$DOCKER rm -f -v "$NOSECRET" >/dev/null 2>&1 || true
cat "$tmp/nosecret.log"
[ "$rc" -ne 0 ] || fail "quill started in production mode without JWT_SECRET"
[ "$rc" -ne 124 ] || fail "quill did not exit within 60s without JWT_SECRET"
grep -q JWT_SECRET "$tmp/nosecret.log" || fail "the error does not name JWT_SECRET"
echo "exited $rc and named JWT_SECRET, as expected"

###############################################################################################
step "docker run: production mode, embedded SQLite on a named volume"
port=$(free_port)
base=http://127.0.0.1:$port
$DOCKER volume create "$VOLUME" >/dev/null
# --health-interval only shortens the wait; the check itself is the image's HEALTHCHECK.
$DOCKER run -d --name "$NAME" -p "127.0.0.1:$port:8080" \
  -e JWT_SECRET="$JWT" -v "$VOLUME:/data" \
  --health-interval 2s --stop-timeout 30 "$IMAGE" >/dev/null
wait_http_200 "$base/readyz" 60
echo "/readyz 200 on $base"
u="ci$(date +%s)$RANDOM"
code=$(register "$base" "$u")
[ "$code" = 201 ] || { cat "$tmp/register.json"; echo; fail "POST /api/users answered $code, expected 201"; }
grep -q '"token"' "$tmp/register.json" || fail "registration response has no token"
echo "POST /api/users 201"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$base/api/articles")
[ "$code" = 200 ] || fail "GET /api/articles answered $code, expected 200"
echo "GET /api/articles 200"
wait_healthy "$NAME" 90
echo "health: healthy"
uid=$($DOCKER exec "$NAME" id -u 2>/dev/null ||
      $DOCKER exec "$NAME" sh -c "awk '/^Uid:/{print \$2}' /proc/1/status" 2>/dev/null || echo "?")
case "$uid" in
  0) fail "the server process runs as root" ;;
  "?") echo "(cannot run a command in the container; relying on USER $user)" ;;
  *) echo "server process uid $uid" ;;
esac
$DOCKER exec "$NAME" sh -c 'ls -ln /data' 2>/dev/null || true
$DOCKER exec "$NAME" sh -c 'ls /data' 2>/dev/null | grep -q . || fail "nothing was written to the /data volume"
$DOCKER stop -t 30 "$NAME" >/dev/null
ec=$($DOCKER inspect -f '{{.State.ExitCode}}' "$NAME")
[ "$ec" = 0 ] || fail "container exited $ec after docker stop (SIGTERM), expected 0"
echo "docker stop: exit code 0"
$DOCKER logs --tail 5 "$NAME" 2>&1 | sed 's/^/  log: /'

step "data survives a new container on the same volume"
$DOCKER rm -v "$NAME" >/dev/null
$DOCKER run -d --name "$NAME" -p "127.0.0.1:$port:8080" \
  -e JWT_SECRET="$JWT" -v "$VOLUME:/data" --stop-timeout 30 "$IMAGE" >/dev/null
wait_http_200 "$base/readyz" 60
code=$(login "$base" "$u")
[ "$code" = 200 ] || { cat "$tmp/login.json"; echo; fail "login after restart answered $code, expected 200"; }
echo "POST /api/users/login 200 for the user registered before"
$DOCKER stop -t 30 "$NAME" >/dev/null
$DOCKER rm -v "$NAME" >/dev/null
$DOCKER volume rm "$VOLUME" >/dev/null

###############################################################################################
step "docker-compose: quill + PostgreSQL"
cport=$(free_port)
cbase=http://127.0.0.1:$cport
export POSTGRES_IMAGE=postgres:15 QUILL_PORT=$cport JWT_SECRET=$COMPOSE_JWT \
       POSTGRES_PASSWORD=$PG_PASSWORD POSTGRES_USER=quill POSTGRES_DB=quill LOG_FORMAT=text
if head -1 Dockerfile | grep -qE '^#[[:space:]]*syntax='; then
  # Cannot build the committed Dockerfile here: use the image built above under compose's name.
  $DOCKER tag "$IMAGE" quill:local
  "${COMPOSE[@]}" up -d --no-build
else
  # compose builds through the docker CLI with BuildKit, so the build above is a full cache hit.
  # PATH: the docker client compose runs must be Debian's (other clients here may lack buildx).
  mkdir -p "$tmp/bin" && ln -s "$DOCKER" "$tmp/bin/docker"
  PATH="$tmp/bin:$PATH" COMPOSE_DOCKER_CLI_BUILD=1 DOCKER_BUILDKIT=1 "${COMPOSE[@]}" up -d --build
fi
quill_c=$("${COMPOSE[@]}" ps -q quill)
db_c=$("${COMPOSE[@]}" ps -q db)
if [ -z "$quill_c" ] || [ -z "$db_c" ]; then fail "compose did not create both services"; fi
wait_healthy "$quill_c" 120
echo "quill service: healthy"
wait_http_200 "$cbase/readyz" 30
echo "/readyz 200 on $cbase"
check_no_secret quill:local
if [ "$($DOCKER image inspect -f '{{.Id}}' quill:local)" = "$($DOCKER image inspect -f '{{.Id}}' "$IMAGE")" ]; then
  echo "compose's image quill:local is $IMAGE (build cache hit)"
else
  echo "note: compose's image differs from $IMAGE (rebuilt instead of reused from the cache)"
fi
cu="ci$(date +%s)$RANDOM"
code=$(register "$cbase" "$cu")
[ "$code" = 201 ] || { cat "$tmp/register.json"; echo; fail "POST /api/users answered $code, expected 201"; }
echo "POST /api/users 201"
n=$("${COMPOSE[@]}" exec -T db psql -U quill -d quill -Atc "SELECT count(*) FROM users WHERE username = '$cu'" | tr -d '\r')
[ "$n" = 1 ] || fail "the user is not in PostgreSQL (count: '$n')"
echo "the user is in PostgreSQL"
"${COMPOSE[@]}" stop -t 30 quill
ec=$($DOCKER inspect -f '{{.State.ExitCode}}' "$quill_c")
[ "$ec" = 0 ] || fail "quill service exited $ec on stop, expected 0"
echo "quill service stopped with exit code 0"
"${COMPOSE[@]}" down -v --remove-orphans --timeout 30

failed=0
