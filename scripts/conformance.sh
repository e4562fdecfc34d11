#!/usr/bin/env bash
# Runs the public Conduit conformance suites (Hurl, then Postman via newman) against a running
# server. Any failed assertion fails the script.
#
#   scripts/conformance.sh http://127.0.0.1:8080
#
# Needs `hurl` (cargo install hurl --version 8.0.1 --locked) and `newman` (npm install newman;
# set NEWMAN=/path/to/newman if it is not on PATH).
set -euo pipefail
base=${1:?usage: scripts/conformance.sh BASE_URL (the server root, without /api)}
root=$(cd "$(dirname "$0")/.." && pwd)
uid=$(date +%s%N)

hurl --test --jobs 1 --variable host="$base" --variable uid="$uid" "$root"/tests/conformance/hurl/*.hurl

"${NEWMAN:-newman}" run "$root/tests/conformance/Conduit.postman_collection.json" \
  --global-var "APIURL=$base/api" \
  --global-var "USERNAME=u$uid" --global-var "EMAIL=u$uid@mail.com" --global-var "PASSWORD=password" \
  --reporters cli
