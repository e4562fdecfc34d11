#!/usr/bin/env bash
# Soak test: a release build of quill on PostgreSQL under a steady mixed read/write load
# (scripts/steady_load.py: lists, articles, comments, favorites, feed, now and then a new article
# and a sign-in) at a fixed rate. Reports the server's RSS after warm-up and at the end, and
# fails on any failed request or on RSS growth above 10%.
#
#   scripts/soak.sh              # 10 minutes at 200 req/s (warm-up: the first 2 minutes)
#   scripts/soak.sh --short      # CI's version: 2 minutes (warm-up: 30 s)
#   DURATION=1800 RATE=400 scripts/soak.sh
#
# Needs python3 and a PostgreSQL server at TEST_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432) where it may create and drop `quill_soak`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
server=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432}
server=${server%/}
duration=${DURATION:-600}
warmup=${WARMUP:-120}
rate=${RATE:-200}
if [ "${1:-}" = "--short" ]; then duration=120 warmup=30; fi
max_growth_pct=10

cargo build --release --locked --quiet
bin="$root/target/release/quill"
work=$(mktemp -d)
pid= load=
cleanup() {
  touch "$work/stop"
  [ -n "$load" ] && wait "$load" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  psql "$server/postgres" -qc "DROP DATABASE IF EXISTS quill_soak WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }

psql "$server/postgres" -qc "DROP DATABASE IF EXISTS quill_soak WITH (FORCE)" -c "CREATE DATABASE quill_soak"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL="$server/quill_soak?sslmode=disable" DATA_DIR="$work" HOST=127.0.0.1 PORT=$port LOG_LEVEL=warn \
  "$bin" serve >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done

echo "soak: ${duration}s at $rate req/s on PostgreSQL (RSS measured after ${warmup}s of warm-up)"
python3 "$root/scripts/steady_load.py" "http://127.0.0.1:$port" "$work/stop" \
  --threads 8 --rate "$rate" --keep-alive >"$work/load.json" &
load=$!
sleep "$warmup"
start_rss=$(rss_kib)
echo "soak: RSS after warm-up $((start_rss / 1024)) MiB"
elapsed=$warmup
while [ "$elapsed" -lt "$duration" ]; do
  step=$(( duration - elapsed < 30 ? duration - elapsed : 30 ))
  sleep "$step"
  elapsed=$((elapsed + step))
  kill -0 "$pid" || { echo "soak: quill died"; tail -30 "$work/log"; exit 1; }
  echo "soak: ${elapsed}s RSS $(( $(rss_kib) / 1024 )) MiB"
done
end_rss=$(rss_kib)
touch "$work/stop"
wait "$load"; load=
python3 - "$work/load.json" "$start_rss" "$end_rss" "$max_growth_pct" "$duration" <<'PY' || { tail -30 "$work/log"; exit 1; }
import json, sys
load = json.load(open(sys.argv[1]))
start, end, limit, duration = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
growth = (end - start) * 100 / start
print(f"soak: {load['sent']} requests ({load['sent'] / duration:.0f}/s), {load['failed']} failed; "
      f"RSS {start / 1024:.1f} MiB after warm-up, {end / 1024:.1f} MiB at the end ({growth:+.1f}%)")
problems = []
if load["failed"]:
    problems.append(f"{load['failed']} failed requests, e.g. {load['failures']}")
if growth > limit:
    problems.append(f"RSS grew {growth:.1f}% (limit {limit:.0f}%)")
if problems:
    print("soak failed: " + "; ".join(problems))
    sys.exit(1)
PY
