#!/usr/bin/env bash
# Browser journeys (e2e/journeys.test.js): people using quill's pages in a real Chromium, once on
# SQLite and once on PostgreSQL, each against a fresh database and a release server of its own
# on a free port.
#
#   scripts/e2e.sh                      both engines
#   E2E_ENGINES=sqlite scripts/e2e.sh   one engine
#
# QUILL_BIN: the quill binary to serve (default target/release/quill, built when missing).
# E2E_LIGHTHOUSE_ENGINE: the engine whose run ends with Lighthouse (mobile) on the home page and a
# story (default sqlite; empty: none); E2E_LIGHTHOUSE_MIN: the lowest score that passes (95).
# E2E_POSTGRES_URL (or TEST_DATABASE_URL): a PostgreSQL server whose user may create databases
# (default postgres://postgres@127.0.0.1:5432). Chromium is Debian's (installed when missing);
# playwright-core and axe-core come from e2e/package-lock.json. A failed journey leaves
# screenshots in e2e/artifacts/ and prints the end of the server's log.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PATH="$HOME/.cargo/bin:$PATH"
bin=${QUILL_BIN:-$root/target/release/quill}
engines=${E2E_ENGINES:-sqlite postgres}
pg=${E2E_POSTGRES_URL:-${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432}}
pg=${pg%/}
lighthouse_engine=${E2E_LIGHTHOUSE_ENGINE-sqlite}
started=$(date +%s)
rm -rf e2e/artifacts

apt_install() {
  local missing=() pkg
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
# No browser is downloaded: Debian's Chromium, with CJK fonts for the Korean pages.
apt_install chromium fonts-noto-cjk
command -v node >/dev/null || apt_install nodejs npm
command -v psql >/dev/null || apt_install postgresql-client
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}

# npm ci only when the lock file changed since the last install.
lock_sum=$(sha256sum e2e/package-lock.json | cut -d' ' -f1)
if [ "$(cat e2e/node_modules/.e2e-lock 2>/dev/null)" != "$lock_sum" ]; then
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >e2e/node_modules/.e2e-lock
fi

if [ ! -x "$bin" ]; then
  echo "no quill binary at $bin: building it"
  cargo build --release --locked --bin quill
  bin="$root/target/release/quill"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

server_pid=""
database=""
workdir=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
  if [ -n "$database" ]; then
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  database=""
  if [ -n "$workdir" ]; then rm -rf "$workdir"; fi
  workdir=""
}
trap cleanup EXIT

# Runs the journeys against a fresh database of engine $1; returns their exit code.
run_engine() {
  local engine=$1 url port rc=0 t0
  t0=$(date +%s)
  workdir=$(mktemp -d /tmp/quill-e2e.XXXXXX)
  case "$engine" in
    sqlite) url="sqlite://$workdir/quill.db?mode=rwc" ;;
    postgres)
      if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
        for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
      fi
      database="quill_e2e_$(tr -dc a-z0-9 </dev/urandom | head -c 10)"
      psql "$pg/postgres" -qc "CREATE DATABASE \"$database\"" >/dev/null
      url="$pg/$database"
      ;;
    *) echo "unknown engine $engine (sqlite or postgres)"; return 2 ;;
  esac
  port=$(free_port)
  export DATABASE_URL="$url" DATA_DIR="$workdir" PORT="$port" HOST=127.0.0.1 \
    PUBLIC_URL="http://127.0.0.1:$port" LOG_LEVEL=warn QUILL_ENV=development SHUTDOWN_GRACE_SECS=5
  "$bin" serve >"$workdir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 150); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
    echo "quill did not become ready on $engine:"; cat "$workdir/server.log"
    cleanup; return 1
  fi
  echo "journeys on $engine: quill at http://127.0.0.1:$port, ready after $(($(date +%s) - t0))s"
  QUILL_URL="http://127.0.0.1:$port" QUILL_BIN="$bin" E2E_ENGINE="$engine" \
    node --test --test-reporter=spec e2e/journeys.test.js || rc=$?
  # Lighthouse's scores do not depend on the engine: measured on one, after the journeys have
  # published stories.
  if [ "$rc" -eq 0 ] && [ "$engine" = "$lighthouse_engine" ]; then
    QUILL_URL="http://127.0.0.1:$port" node e2e/lighthouse.js || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    echo "journeys failed on $engine; the end of the server's log:"
    tail -40 "$workdir/server.log"
  fi
  local t1
  t1=$(date +%s)
  cleanup
  echo "journeys on $engine: $([ "$rc" -eq 0 ] && echo passed || echo FAILED) in $(($(date +%s) - t0))s" \
    "(stopping the server and dropping its database: $(($(date +%s) - t1))s)"
  return "$rc"
}

failed=()
for engine in $engines; do
  run_engine "$engine" || failed+=("$engine")
done
echo "browser journeys took $(($(date +%s) - started))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "browser journeys FAILED on: ${failed[*]}"
  exit 1
fi
echo "browser journeys passed on: $engines"
