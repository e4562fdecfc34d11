#!/usr/bin/env bash
# Checks the deploy files (scripts/check_deploy_files.py), builds quill's container image from the
# repository's own Dockerfile and checks it the way a deployment would use it (size, contents,
# SQLite on a named volume, PostgreSQL over TLS with verify-full), then brings up
# docker-compose.yml (quill + PostgreSQL) with that image and checks that.
#
#   scripts/container-test.sh PATH/TO/docker-here.sh
#
# docker-here.sh (see ../shared/containers/README.md) starts a local Docker engine and makes the
# base images locally (no registry is reachable here). Run from anywhere; uses the repository
# this script lives in as the build context. Publishes ports on 127.0.0.1 only. Containers,
# volumes and the compose stack it creates are removed on exit; the images and dockerd are
# left in place (the build cache makes the next run fast).
#
# The image is built once, from a snapshot of the work tree, with the Dockerfile's builder image
# given by its local tag (its committed default is pinned by a digest that only a registry can
# serve); compose runs that same image.
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
NET=quillci-net-$$         # PostgreSQL over TLS
PG=quillci-pgtls-$$
MAX_IMAGE_BYTES=40000000   # docker's "MB": 10^6 bytes
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
    for c in "$NAME" "$NOSECRET" "$PG"; do
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
  $DOCKER rm -f -v "$NAME" "$NOSECRET" "$PG" >/dev/null 2>&1
  $DOCKER volume rm -f "$VOLUME" >/dev/null 2>&1
  $DOCKER network rm "$NET" >/dev/null 2>&1
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
step "deploy files"
# Build from a snapshot of the work tree, so that what is checked, the image and the compose stack
# below all come from the same files even if the tree changes during the run.
ctx=$tmp/context
rsync -a --exclude /target/ --exclude /.git/ --exclude /data/ --exclude /.env "$root/" "$ctx/"
cd "$ctx"
COMPOSE=(docker-compose -p quillci -f "$ctx/docker-compose.yml")
python3 scripts/check_deploy_files.py "$ctx"

###############################################################################################
step "docker build (the repository's Dockerfile)"
# A '# syntax=' line makes BuildKit pull a frontend image, which cannot work here: build from a
# copy without it. Everything else is the file as committed (.dockerignore applies), except the
# builder image: the same tag as the pinned default, without the digest.
sed '1{/^#[[:space:]]*syntax=/d}' Dockerfile >"$tmp/Dockerfile"
rust_tag=$(sed -n 's/^ARG RUST_IMAGE=\([^@]*\)@sha256:.*/\1/p' Dockerfile)
[ -n "$rust_tag" ] || fail "the Dockerfile has no digest-pinned ARG RUST_IMAGE default"
t0=$(date +%s)
DOCKER_BUILDKIT=1 $DOCKER build --progress=plain -f "$tmp/Dockerfile" --build-arg RUST_IMAGE="$rust_tag" \
  -t "$IMAGE" . >"$tmp/build.log" 2>&1 || {
  tail -80 "$tmp/build.log"; fail "docker build failed"
}
grep -E '^#[0-9]+ (\[|DONE|CACHED)' "$tmp/build.log" | grep -E '\[|CACHED' | tail -20 || true
size=$($DOCKER image inspect -f '{{.Size}}' "$IMAGE")
echo "built $IMAGE from $rust_tag in $(( $(date +%s) - t0 ))s: $(awk -v b="$size" 'BEGIN { printf "%.1f MB", b / 1e6 }')"
[ "$size" -le "$MAX_IMAGE_BYTES" ] || fail "image is $size bytes, more than $MAX_IMAGE_BYTES"

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

step "image contents: the binary, its libraries, CA bundles, uid 10001, and nothing else"
# `docker export` lists the file system of a container that never runs (the image has no shell).
$DOCKER create --name "$NOSECRET" "$IMAGE" >/dev/null
$DOCKER export "$NOSECRET" | tar --numeric-owner -tvf - >"$tmp/files.txt"
$DOCKER cp "$NOSECRET:/etc/passwd" "$tmp/passwd"
$DOCKER rm -v "$NOSECRET" >/dev/null
has() { grep -qE "$1" "$tmp/files.txt" || fail "the image lacks $2"; }
has ' usr/local/bin/quill$' "the quill binary"
has '^drwxr-x--- 10001/10001 .* data/$' "/data owned by 10001, mode 0750"
has '^drwxrwxrwt .* tmp/$' "a world-writable sticky /tmp"
has ' etc/ssl/certs/rds-global-bundle\.pem$' "the RDS CA bundle"
has ' etc/ssl/certs/ca-certificates\.crt$' "the system CA store"
grep -q '^quill:x:10001:10001:' "$tmp/passwd" || fail "/etc/passwd has no quill user with uid 10001"
if grep -qE ' (bin|usr/bin)/(sh|bash|dash)$' "$tmp/files.txt"; then fail "the runtime image has a shell"; fi
# What else is in it (besides directories, and what docker itself puts into every container):
grep -vE '^d| (dev/|\.dockerenv|etc/(hostname|hosts|resolv\.conf|mtab))' "$tmp/files.txt" \
  | awk '{ printf "  %10d  %s\n", $3, $6 }'

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
$DOCKER exec "$NAME" quill healthcheck || fail "quill healthcheck inside the container failed"
echo "quill healthcheck inside the container: exit 0"
# The image has no shell or id: read the server's uid where the host sees it.
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$($DOCKER inspect -f '{{.State.Pid}}' "$NAME")/status")
[ "$uid" != 0 ] || fail "the server process runs as root"
echo "server process uid $uid"
$DOCKER cp "$NAME:/data/." - | tar --numeric-owner -tvf - | tee "$tmp/data.txt" | sed 's/^/  \/data: /'
grep -qE ' 10001/10001 .*quill\.db$' "$tmp/data.txt" || fail "quill did not write its database to the /data volume as 10001"
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
step "PostgreSQL over TLS with DB_SSLMODE=verify-full (as in production)"
# A throwaway CA and a server certificate for the name pg-tls. verify-full must accept it when
# PGSSLROOTCERT names that CA, and refuse it both under the image's default (the RDS bundle: this
# CA is not in it) and when the same server is reached under another name (pg-other).
certs=$tmp/certs
mkdir -p "$certs"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=quill-ci test CA' \
  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
  -keyout "$certs/ca.key" -out "$certs/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj '/CN=pg-tls' \
  -keyout "$certs/server.key" -out "$certs/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:pg-tls\nextendedKeyUsage=serverAuth\n' >"$certs/server.ext"
openssl x509 -req -in "$certs/server.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" -CAcreateserial \
  -days 2 -extfile "$certs/server.ext" -out "$certs/server.crt" 2>/dev/null
chmod 0644 "$certs"/*
$DOCKER network create "$NET" >/dev/null
# PostgreSQL wants its key owned by its own user with mode 0600: copy it in before starting.
$DOCKER run -d --name "$PG" --network "$NET" --network-alias pg-tls --network-alias pg-other \
  -e POSTGRES_USER=quill -e POSTGRES_PASSWORD="$PG_PASSWORD" -e POSTGRES_DB=quill \
  -v "$certs:/certs-in:ro" --entrypoint bash postgres:15 -c \
  'install -d /certs && install -o postgres -m 0600 /certs-in/server.key /certs/ &&
   install -m 0644 /certs-in/server.crt /certs/ &&
   exec docker-entrypoint.sh postgres -c ssl=on -c ssl_cert_file=/certs/server.crt -c ssl_key_file=/certs/server.key' \
  >/dev/null
for _ in $(seq 60); do
  $DOCKER exec "$PG" pg_isready -q -h 127.0.0.1 -U quill -d quill && break
  sleep 1
done
$DOCKER exec "$PG" pg_isready -q -h 127.0.0.1 -U quill -d quill || fail "PostgreSQL with TLS did not start"
# quill in the image, connecting to HOST over TLS with verify-full; extra docker arguments follow.
quill_tls() {
  local host=$1; shift
  $DOCKER run --rm --network "$NET" -e JWT_SECRET="$JWT" -e DB_HOST="$host" -e DB_NAME=quill \
    -e DB_USERNAME=quill -e DB_PASSWORD="$PG_PASSWORD" -e DB_SSLMODE=verify-full "$@"
}
test_ca=(-v "$certs/ca.crt:/run/test-ca.crt:ro" -e PGSSLROOTCERT=/run/test-ca.crt)
quill_tls pg-tls "${test_ca[@]}" "$IMAGE" migrate >"$tmp/tls.log" 2>&1 || {
  cat "$tmp/tls.log"; fail "migrate over verify-full TLS failed with the server's CA in PGSSLROOTCERT"
}
quill_tls pg-tls "${test_ca[@]}" "$IMAGE" doctor >"$tmp/tls.log" 2>&1 || {
  cat "$tmp/tls.log"; fail "doctor failed over verify-full TLS with the server's CA in PGSSLROOTCERT"
}
sed 's/^/  /' "$tmp/tls.log"
echo "verify-full: accepted with the server's CA"
# Refusals: doctor fails at its connect step, on the certificate.
refused() {
  if quill_tls "$@" doctor >"$tmp/tls.log" 2>&1; then return 1; fi
  grep -E 'FAIL +connect' "$tmp/tls.log" | grep -qi 'certificate'
}
refused pg-tls "$IMAGE" || { cat "$tmp/tls.log"; fail "verify-full with the image's RDS bundle did not refuse a foreign CA"; }
grep -E 'FAIL +connect' "$tmp/tls.log" | sed 's/^ */  /'
echo "verify-full: refused under the image's RDS CA bundle (the bundle loads; this CA is not in it)"
refused pg-other "${test_ca[@]}" "$IMAGE" || { cat "$tmp/tls.log"; fail "verify-full did not refuse a certificate for another host name"; }
grep -E 'FAIL +connect' "$tmp/tls.log" | sed 's/^ */  /'
echo "verify-full: refused for a host name the certificate does not name"
$DOCKER rm -f -v "$PG" >/dev/null
$DOCKER network rm "$NET" >/dev/null

###############################################################################################
step "docker-compose: quill + PostgreSQL"
cport=$(free_port)
cbase=http://127.0.0.1:$cport
export POSTGRES_IMAGE=postgres:15 QUILL_PORT=$cport JWT_SECRET=$COMPOSE_JWT \
       POSTGRES_PASSWORD=$PG_PASSWORD POSTGRES_USER=quill POSTGRES_DB=quill LOG_FORMAT=text
# compose's own build would pull the digest-pinned builder: give it the image built above.
$DOCKER tag "$IMAGE" quill:local
"${COMPOSE[@]}" up -d --no-build
quill_c=$("${COMPOSE[@]}" ps -q quill)
db_c=$("${COMPOSE[@]}" ps -q db)
if [ -z "$quill_c" ] || [ -z "$db_c" ]; then fail "compose did not create both services"; fi
wait_healthy "$quill_c" 120
echo "quill service: healthy"
wait_http_200 "$cbase/readyz" 30
echo "/readyz 200 on $cbase"
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
