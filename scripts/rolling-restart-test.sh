#!/usr/bin/env bash
# Zero-downtime rolling restart, proven on one machine: two quill replicas on one PostgreSQL
# behind nginx, a steady mixed read/write load through nginx, and each replica replaced in turn
# the way ECS or Kubernetes does it: take it out of the load balancer, SIGTERM it (it finishes
# what it has in flight), start its successor, wait for /readyz, put it back. Reports requests
# sent and failed; any failure fails the script.
#
#   scripts/rolling-restart-test.sh [path/to/quill]    (default: target/release/quill)
#
# Needs nginx, psql and python3; PostgreSQL at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
bin=$(realpath "${1:-target/release/quill}")
server=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
db=quill_rolling_$$
lb_port=${LB_PORT:-18180}
ports=(18181 18182)
rounds=${ROUNDS:-2}
pids=()

cleanup() {
  touch "$work/stop"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql "$server/postgres" -qc "CREATE DATABASE $db"
export DATABASE_URL="$server/$db" JWT_SECRET="rolling-restart-test-secret-0123456789abcdef" \
       HOST=127.0.0.1 LOG_LEVEL=${LOG_LEVEL:-warn} SHUTDOWN_GRACE_SECS=15 DATA_DIR="$work"

start_replica() { # index
  PORT=${ports[$1]} "$bin" serve >>"$work/replica$1.log" 2>&1 &
  pids[$1]=$!
  for _ in $(seq 150); do
    # Ready, and really this replica (not a stranger holding the port).
    if curl -fs "http://127.0.0.1:${ports[$1]}/readyz" >/dev/null && kill -0 "${pids[$1]}" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "replica $1 did not become ready"; cat "$work/replica$1.log"; return 1
}

write_nginx() { # index of the replica taken out, or -1
  local servers="" i
  for i in "${!ports[@]}"; do
    if [ "$i" = "$1" ]; then servers+="    server 127.0.0.1:${ports[$i]} down;"$'\n'
    else servers+="    server 127.0.0.1:${ports[$i]} max_fails=0;"$'\n'; fi
  done
  cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  upstream quill {
$servers    keepalive 16;
  }
  server {
    listen 127.0.0.1:$lb_port;
    location / {
      proxy_pass http://quill;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout;
    }
  }
}
CONF
}

echo "starting 2 replicas on PostgreSQL ($db) behind nginx on :$lb_port"
start_replica 0
start_replica 1
write_nginx -1
nginx -p "$work" -c "$work/nginx.conf"
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$lb_port/readyz" >/dev/null && break; sleep 0.1; done

python3 "$here/steady_load.py" "http://127.0.0.1:$lb_port" "$work/stop" --threads 6 >"$work/load.json" &
load=$!
sleep 2

for round in $(seq "$rounds"); do
  for i in "${!ports[@]}"; do
    echo "round $round: replacing replica $i (pid ${pids[$i]})"
    write_nginx "$i"; nginx -p "$work" -c "$work/nginx.conf" -s reload
    sleep 1 # deregistration delay: requests already routed to the replica finish
    kill -TERM "${pids[$i]}"
    if ! wait "${pids[$i]}"; then echo "replica $i did not exit 0"; exit 1; fi
    start_replica "$i"
    write_nginx -1; nginx -p "$work" -c "$work/nginx.conf" -s reload
    sleep 2
  done
done

touch "$work/stop"
wait "$load"
result=$(cat "$work/load.json")
echo "load through the rolling restart: $result"
python3 - "$result" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"requests sent: {r['sent']}, failed: {r['failed']}")
for f in r["failures"]:
    print("  failed:", f)
sys.exit(0 if r["failed"] == 0 and r["sent"] > 100 else 1)
PY
