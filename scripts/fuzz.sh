#!/usr/bin/env bash
# Fuzzes a quill binary from its own contract: for each engine, a fresh database, a server on a
# free port, a little data made through the API (two users, articles, comments, tags), then
# schemathesis generating requests from the server's own /api/openapi.json, valid and invalid:
#   1. anonymously, every operation;
#   2. with `Authorization: Token <jwt>` of a registered user, every operation but the three that
#      end its session (PUT /api/user, which may change the password, logout, DELETE /api/user);
#   3. each of those three with a fresh user's token of its own.
# Checks: every one schemathesis has (CHECKS=all): no 5xx; every status code, header, content type
# and response body as documented; schema-valid requests accepted and schema-invalid ones refused
# (a documented 409 or 422 for a rule no schema can express counts as accepted). The known
# slugs, usernames, tags and comment ids are offered to path parameters half of the time, so that
# requests reach past the 404s. Fails on any failed check, or when an engine got fewer than
# MIN_REQUESTS requests (counted from schemathesis's HAR reports), printing the server log's tail.
#
#   scripts/fuzz.sh                                  # target/release/quill, both engines (~3 min)
#   scripts/fuzz.sh path/to/quill
#   ENGINES=sqlite EXAMPLES=10 SEED=7 scripts/fuzz.sh
#   FUZZ_KEEP=1 scripts/fuzz.sh                      # keep schemathesis's output and reports
#
# Needs python3 and curl; schemathesis is installed, pinned by scripts/fuzz-requirements.txt, into
# a venv at FUZZ_VENV (default /tmp/quill-fuzz-venv), once. For PostgreSQL a server at
# TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432) where it may create and drop
# `quill_fuzz`. Same SEED, same binary: the same requests (with WORKERS=1, the default).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/quill}
server=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432}
server=${server%/}
engines=${ENGINES:-sqlite,postgres}
examples=${EXAMPLES:-75}
seed=${SEED:-20261125}
# One at a time: schemathesis's threads trip a CPython 3.11 race in `ast` (python/cpython#106905)
# that fails a run with "AST constructor recursion depth mismatch".
workers=${WORKERS:-1}
min_requests=${MIN_REQUESTS:-2000}
venv=${FUZZ_VENV:-/tmp/quill-fuzz-venv}
requirements="$root/scripts/fuzz-requirements.txt"
checks=${CHECKS:-all}
session_enders=(update_user logout end_all_sessions delete_user)

[ -x "$bin" ] || { echo "fuzz: no quill binary at $bin (cargo build --release)"; exit 2; }
command -v curl >/dev/null || { echo "fuzz: curl is missing"; exit 2; }

# The venv is (re)made only when the requirements change.
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$want" ]; then
  echo "fuzz: installing schemathesis into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" >"$venv/.requirements"
fi
st="$venv/bin/schemathesis"

out=$(mktemp -d)
pid=
log=
cleanup() {
  local rc=$?
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ "$rc" = 0 ] && [ -z "${FUZZ_KEEP:-}" ]; then rm -rf "$out"; return; fi
  if [ -n "$log" ]; then echo "fuzz: failed; the server log's tail:"; tail -50 "$log"; fi
  echo "fuzz: schemathesis output, reports and server logs kept in $out"
}
trap cleanup EXIT

psql_server() { psql "$server/postgres" -q -c "SET client_min_messages = warning" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# call METHOD PATH TOKEN [JSON] [FIELD.PATH]: the request, which must succeed; prints the field.
call() {
  local method=$1 path=$2 token=$3 body=${4:-} field=${5:-}
  local args=(-fsS -X "$method" -H 'Content-Type: application/json')
  if [ -n "$token" ]; then args+=(-H "Authorization: Token $token"); fi
  if [ -n "$body" ]; then args+=(-d "$body"); fi
  curl "${args[@]}" "$base$path" | python3 -c '
import json, sys
value = json.load(sys.stdin)
for key in filter(None, sys.argv[1].split(".")):
    value = value[int(key)] if key.isdigit() else value[key]
print(value if sys.argv[1] else "")' "$field"
}

register() { # USERNAME: prints the new user's token
  call POST /api/users "" "{\"user\":{\"username\":\"$1\",\"email\":\"$1@example.com\",\"password\":\"fuzz-password\"}}" user.token
}

# run_st ENGINE NAME [schemathesis options]: one schemathesis run; its request count on stdout.
run_st() {
  local engine=$1 name=$2
  shift 2
  local har="$out/$engine/$name.har"
  if ! (cd "$out/$engine" && "$st" --config-file "$out/$engine/schemathesis.toml" run "$base/api/openapi.json" \
    --checks "$checks" --max-examples "$examples" --seed "$seed" --workers "$workers" \
    --generation-database none --no-color --report har --report-har-path "$har" \
    --report-dir "$out/$engine/reports" "$@" >"$out/$engine/$name.out" 2>&1); then
    echo "fuzz: $engine, $name: schemathesis found failures or errors:" >&2
    local report="$out/$engine/$name.out"
    if grep -qE '^=+ (FAILURES|ERRORS) =+$' "$report"; then
      sed -n '/^=* \(FAILURES\|ERRORS\) =*$/,$p' "$report"
    else
      tail -20 "$report" # e.g. "No operations matched the filters": an operation id has changed
    fi | cut -c1-400 >&2
    return 1
  fi
  python3 - "$har" "$engine" "$name" <<'EOF'
import collections, json, sys
entries = json.load(open(sys.argv[1]))["log"]["entries"]
# Every request but the one for the schema itself.
entries = [e for e in entries if not e["request"]["url"].endswith("/api/openapi.json")]
statuses = collections.Counter(e["response"]["status"] for e in entries)
summary = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items()))
print(f"fuzz: {sys.argv[2]}, {sys.argv[3]}: {len(entries)} requests ({summary})", file=sys.stderr)
# With a token, only the probes without one answer 401 (about one per operation); many more
# mean the token stopped working mid-run, and with it the depth of the run.
if sys.argv[3] == "authenticated" and statuses[401] > len(entries) / 20:
    print(f"fuzz: {sys.argv[2]}, {sys.argv[3]}: {statuses[401]} answers were 401: the token was "
          "revoked mid-run; does session_enders name every operation that ends a session?",
          file=sys.stderr)
    sys.exit(1)
print(len(entries))
EOF
}

# Known identifiers, offered to path parameters alongside generated values.
write_config() {
  local file=$1
  cat >"$file" <<EOF
[dictionaries.slugs]
values = [$2]
[dictionaries.usernames]
values = [$3]
[dictionaries.tags]
values = [$4]
[dictionaries.ids]
values = [$5]

[parameters]
"path.slug" = { dictionary = "slugs", probability = 0.5 }
"path.username" = { dictionary = "usernames", probability = 0.5 }
"path.tag" = { dictionary = "tags", probability = 0.5 }
"path.id" = { dictionary = "ids", probability = 0.5 }

# Schema-valid requests that a documented 409, 415 or 422 refuses for a rule no schema expresses;
# positive_data_acceptance accepts those answers there, and nowhere else.
# Paged lists: a cursor is an opaque string that only a previous page's \`nextCursor\` makes, and
# it cannot be combined with an offset (nor offered to a list paged by offset only).
[[operations]]
include-name = ["GET /api/articles", "GET /api/articles/feed", "GET /api/user/drafts",
  "GET /api/user/bookmarks", "GET /api/notifications", "GET /api/articles/{slug}/comments"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 401, 403, 404, 409, 422, 429]

# What depends on stored state: a reader's claps in all, a reply's parent comment, following or
# blocking oneself; \`upTo\` is an integer that JSON Schema also writes as 0.0.
[[operations]]
include-name = ["POST /api/articles/{slug}/claps", "POST /api/articles/{slug}/comments",
  "POST /api/profiles/{username}/follow", "POST /api/profiles/{username}/block",
  "POST /api/notifications/read"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 401, 403, 404, 409, 422, 429]

# An upload must be a PNG, JPEG, WebP or GIF that decodes: bytes no schema describes. The form
# may hold other fields, and schemathesis names them with any characters, controls too, which a
# part's header cannot carry: such a body is malformed multipart (400).
[[operations]]
include-name = "POST /api/uploads"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 400, 401, 403, 404, 413, 415, 422, 429]

# Account fields: a username's letters and digits are Unicode's (JSON Schema's \\w is ASCII in
# ECMAScript and Unicode in Python, so no pattern reads the same to every client), an email's
# shape, text blank once trimmed, and a new email or password that needs \`currentPassword\`.
[[operations]]
include-name = ["POST /api/users", "POST /api/users/login", "PUT /api/user"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 401, 403, 404, 409, 422, 429]
EOF
}

fuzz_engine() {
  local engine=$1 url data port total=0 n failed=
  data="$out/$engine"
  mkdir -p "$data"
  case $engine in
    sqlite) url="" ;;
    postgres)
      psql_server -c "DROP DATABASE IF EXISTS quill_fuzz WITH (FORCE)" -c "CREATE DATABASE quill_fuzz"
      url="$server/quill_fuzz?sslmode=disable" ;;
    *) echo "fuzz: unknown engine $engine (sqlite or postgres)"; return 2 ;;
  esac
  port=$(free_port)
  base="http://127.0.0.1:$port"
  log="$data/log"
  # Errors logged without a backtrace each, so that the log's tail shows what failed. This script
  # signs up a fresh user for every session-ending operation: sign-ups are not limited here,
  # while failed sign-ins keep their default limits (their 429 is documented and checked).
  DATABASE_URL="$url" DATA_DIR="$data" HOST=127.0.0.1 PORT=$port LOG_LEVEL=warn RUST_LIB_BACKTRACE=0 \
    SIGNUPS_PER_ADDRESS=0 "$bin" serve >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.2; done
  curl -fsS "$base/readyz" >/dev/null || { echo "fuzz: quill did not start on $engine"; return 1; }

  # A published article with comments and tags by someone else, a draft of theirs, and an
  # article and a comment of the fuzzing user's own.
  local author fuzzer a1 a2 a3 c1 c2
  author=$(register fuzzauthor)
  a1=$(call POST /api/articles "$author" \
    '{"article":{"title":"Fuzzing target","description":"d","body":"# Hi\n\n*there*","tagList":["fuzz","quill"]}}' article.slug)
  a2=$(call POST /api/articles "$author" \
    '{"article":{"title":"A draft","description":"d","body":"b","status":"draft"}}' article.slug)
  c1=$(call POST "/api/articles/$a1/comments" "$author" '{"comment":{"body":"first"}}' comment.id)
  fuzzer=$(register fuzzer)
  a3=$(call POST /api/articles "$fuzzer" \
    '{"article":{"title":"My own","description":"d","body":"b","tagList":["fuzz"]}}' article.slug)
  c2=$(call POST "/api/articles/$a1/comments" "$fuzzer" "{\"comment\":{\"body\":\"reply\",\"parentId\":$c1}}" comment.id)
  call POST /api/profiles/fuzzauthor/follow "$fuzzer" >/dev/null
  write_config "$data/schemathesis.toml" "\"$a1\", \"$a2\", \"$a3\"" '"fuzzauthor", "fuzzer"' \
    '"fuzz", "quill"' "$c1, $c2"

  local excluded=()
  for op in "${session_enders[@]}"; do excluded+=(--exclude-operation-id "$op"); done
  if n=$(run_st "$engine" anonymous); then total=$((total + n)); else failed=1; fi
  if n=$(run_st "$engine" authenticated -H "Authorization: Token $fuzzer" "${excluded[@]}"); then
    total=$((total + n))
  else failed=1; fi
  for op in "${session_enders[@]}"; do
    local token
    token=$(register "fuzz-$op")
    if n=$(run_st "$engine" "$op" -H "Authorization: Token $token" --include-operation-id "$op"); then
      total=$((total + n))
    else failed=1; fi
  done

  echo "fuzz: $engine: $total requests in all"
  [ -z "$failed" ] || { echo "fuzz: $engine: failed checks (above)"; return 1; }
  if [ "$total" -lt "$min_requests" ]; then
    echo "fuzz: $engine: fewer than $min_requests requests (raise EXAMPLES)"; return 1
  fi
  kill -TERM "$pid"; wait "$pid" || true; pid='' log=''
  if [ "$engine" = postgres ]; then
    psql_server -c "DROP DATABASE IF EXISTS quill_fuzz WITH (FORCE)"
  fi
}

# Not under `if`, which would switch off `set -e` inside: the first failure ends the run.
for engine in ${engines//,/ }; do
  start=$SECONDS
  fuzz_engine "$engine"
  echo "fuzz: $engine passed in $((SECONDS - start)) s"
done
echo "fuzz: passed on ${engines//,/ and } in $SECONDS s"
