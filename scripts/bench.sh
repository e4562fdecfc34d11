#!/usr/bin/env bash
# Benchmarks a release build of quill with the shared RealWorld harness (../shared/bench) on each
# engine and data size: a fresh database, for the `1m` size first `quill seed` with 1,000,000
# articles and 100,000 users, then seed.py's default data set (50 users, 500 articles, 2,000
# comments, 2,000 favorites) through the API, then load.py's scenarios (32 connections), and one
# table of the results with the machine's core count. Fails on any invalid scenario, non-2xx
# answer or socket error.
#
#   scripts/bench.sh                    # both engines, default data only, 8 s per scenario
#   SIZES=default,1m scripts/bench.sh   # and again at 1,000,000 articles (seeding: minutes)
#   scripts/bench.sh --quick            # CI's smoke run: small data, 2 s per scenario
#   ENGINES=postgres DURATION=15 scripts/bench.sh
#   QUILL_BIN=/tmp/quill-old scripts/bench.sh   # another build, e.g. to compare in one sitting
#
# Needs wrk (apt-get install wrk), python3, and for PostgreSQL a server at TEST_DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432) where it may create and drop `quill_bench`.
# wrk, quill and the database share the machine: compare figures only within one sitting.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
harness=${BENCH_HARNESS:-$root/../shared/bench}
server=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432}
server=${server%/}
engines=${ENGINES:-sqlite,postgres}
sizes=${SIZES:-default}
duration=${DURATION:-8}
warmup=2
seed_args=()
if [ "${1:-}" = "--quick" ]; then
  duration=2 warmup=1
  seed_args=(--users 10 --articles 60 --comments 120 --favorites 120 --follows 40)
fi
[ -f "$harness/load.py" ] || { echo "bench: no harness at $harness (set BENCH_HARNESS)"; exit 2; }
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)"; exit 2; }

if [ -n "${QUILL_BIN:-}" ]; then
  bin=$QUILL_BIN
else
  cargo build --release --locked --quiet
  bin="$root/target/release/quill"
fi
out=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$out"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
api="http://127.0.0.1:$port/api"
for size in ${sizes//,/ }; do
for engine in ${engines//,/ }; do
  run="$engine-$size"
  data="$out/$run"
  mkdir -p "$data"
  case $engine in
    sqlite) url="sqlite://$data/quill.db?mode=rwc" ;;
    postgres)
      psql "$server/postgres" -qc "DROP DATABASE IF EXISTS quill_bench WITH (FORCE)" -c "CREATE DATABASE quill_bench"
      # A local benchmark measures quill, not TLS to a database on the same machine.
      url="$server/quill_bench?sslmode=disable" ;;
    *) echo "bench: unknown engine $engine (sqlite or postgres)"; exit 2 ;;
  esac
  case $size in
    default) ;;
    1m)
      echo "bench: seeding $engine with 1,000,000 articles"
      DATABASE_URL="$url" DATA_DIR="$data" "$bin" seed --users 100000 --articles 1000000 ;;
    *) echo "bench: unknown size $size (default or 1m)"; exit 2 ;;
  esac
  DATABASE_URL="$url" DATA_DIR="$data" HOST=127.0.0.1 PORT=$port LOG_LEVEL=warn "$bin" serve >"$data/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  python3 "$harness/seed.py" --api "$api" --state "$data/state.json" "${seed_args[@]}" >"$data/seed.log" \
    || { echo "bench: seeding $run failed"; tail -20 "$data/seed.log"; exit 1; }
  if [ "$engine" = postgres ]; then psql "$server/quill_bench" -qc "VACUUM ANALYZE"; fi
  # Login last: Argon2 dominates it and it grows the server's memory for the runs after it.
  python3 "$harness/load.py" --api "$api" --state "$data/state.json" --pid "$pid" \
    --duration "$duration" --warmup "$warmup" --json-out "$out/$run.json" >"$data/load.log" 2>&1 || true
  kill -TERM "$pid"; wait "$pid" || true; pid=
  if [ "$engine" = postgres ]; then psql "$server/postgres" -qc "DROP DATABASE IF EXISTS quill_bench WITH (FORCE)"; fi
done
done

report() {
python3 - "$out" $(for s in ${sizes//,/ }; do for e in ${engines//,/ }; do echo "$e-$s"; done; done) <<'EOF'
import json, os, sys
out, runs = sys.argv[1], sys.argv[2:]
print(f"quill benchmark, {os.cpu_count()} cores; wrk, quill and the database on this machine")
print(f"{'run':<18}{'scenario':<12}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'RSS MiB':>9}{'CPU %':>7}  status")
failed = []
for engine in runs:
    path = os.path.join(out, f"{engine}.json")
    if not os.path.exists(path):
        failed.append(f"{engine}: load.py wrote no results")
        continue
    for r in json.load(open(path))["results"]:
        problems = [p for p, bad in [
            ("invalid: " + str(r.get("check")), not r.get("valid")),
            (f"{r.get('non2xx')} non-2xx", r.get("non2xx")),
            (f"{r.get('socket_errors')} socket errors", r.get("socket_errors")),
            (str(r.get("error")), "error" in r),
        ] if bad]
        status = "; ".join(problems) or "ok"
        if problems:
            failed.append(f"{engine} {r['name']}: {status}")
        print(f"{engine:<18}{r['name']:<12}{r.get('rps', 0):>9,.0f}{r.get('p50_ms', 0):>8.2f}"
              f"{r.get('p99_ms', 0):>8.2f}{r.get('rss_peak_mib', 0):>9.1f}{r.get('server_cpu_pct', 0):>7.0f}  {status}")
if failed:
    print("bench failed:\n  " + "\n  ".join(failed))
    sys.exit(1)
EOF
}
if ! report; then
  for size in ${sizes//,/ }; do for engine in ${engines//,/ }; do
    echo "--- $engine-$size: load.py"; tail -30 "$out/$engine-$size/load.log"
    echo "--- $engine-$size: server log"; tail -30 "$out/$engine-$size/log"
  done; done
  exit 1
fi
