#!/usr/bin/env python3
"""Steady mixed load against a Conduit API until a stop file appears; prints sent/failed as JSON.

Usage: steady_load.py BASE_URL STOP_FILE [--threads N] [--rate R] [--keep-alive]

Reads and writes with a real token: article list, one article, tags, favorite/unfavorite, a
comment, and now and then a new article and a sign-in. A request fails on a connection error, a
timeout or any status other than the expected one.

--rate paces all threads together to R requests a second (default: as fast as they go).
By default each request has a connection of its own: the rolling-restart test goes through
nginx, which closes idle keep-alive connections when it reloads, and a request written into
such a connection would measure nginx, not quill. --keep-alive reuses one per thread (a soak
test must not churn through the machine's ephemeral ports).
"""
import argparse
import http.client
import json
import os
import threading
import time
import urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("base")
ap.add_argument("stop_file")
ap.add_argument("--threads", type=int, default=6)
ap.add_argument("--rate", type=float, default=0)
ap.add_argument("--keep-alive", action="store_true")
args = ap.parse_args()
url = urllib.parse.urlsplit(args.base)


def call(conn, method, path, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if not args.keep_alive:
        headers["Connection"] = "close"
    if token:
        headers["Authorization"] = "Token " + token
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    res = conn.getresponse()
    return res.status, res.read()


def connect():
    return http.client.HTTPConnection(url.hostname, url.port, timeout=10)


setup = connect()  # one connection for the set-up calls, before any restart
uid = str(time.time_ns())
status, raw = call(setup, "POST", "/api/users", body={"user": {
    "username": "load" + uid, "email": f"load{uid}@example.com", "password": "password123"}})
assert status == 201, (status, raw)
token = json.loads(raw)["user"]["token"]
# The sign-ins of the mix are another user's: each one starts a session, and past 100 a user's
# oldest session (the one whose token the load uses) would end.
email = f"signin{uid}@example.com"
status, raw = call(setup, "POST", "/api/users", body={"user": {
    "username": "signin" + uid, "email": email, "password": "password123"}})
assert status == 201, (status, raw)
status, raw = call(setup, "POST", "/api/articles", token, {"article": {
    "title": "Load " + uid, "description": "d", "body": "b", "tagList": ["load"]}})
assert status == 201, (status, raw)
slug = urllib.parse.quote(json.loads(raw)["article"]["slug"])
setup.close()

plan = [
    ("GET", "/api/articles?limit=10", None, None, 200),
    ("GET", f"/api/articles/{slug}", None, None, 200),
    ("GET", "/api/tags", None, None, 200),
    ("POST", f"/api/articles/{slug}/favorite", token, None, 200),
    ("DELETE", f"/api/articles/{slug}/favorite", token, None, 200),
    ("GET", f"/api/articles/{slug}/comments", None, None, 200),
    ("POST", f"/api/articles/{slug}/comments", token, {"comment": {"body": "steady"}}, 201),
    ("GET", "/api/articles/feed", token, None, 200),
]
occasional = [
    ("POST", "/api/articles", token, {"article": {"title": "Steady", "description": "d", "body": "b"}}, 201),
    ("POST", "/api/users/login", None, {"user": {"email": email, "password": "password123"}}, 200),
]
lock = threading.Lock()
totals = {"sent": 0, "failed": 0}
failures = []
interval = args.threads / args.rate if args.rate else 0


def worker(n):
    conn = connect() if args.keep_alive else None
    i = 0
    next_at = time.monotonic() + interval * n / args.threads
    while not os.path.exists(args.stop_file):
        if interval:
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += interval
        i += 1
        step = occasional[(i // 50) % 2] if i % 50 == 0 else plan[i % len(plan)]
        method, path, tok, body, expected = step
        ok = False
        detail = ""
        conn = conn or connect()
        try:
            status, _ = call(conn, method, path, tok, body)
            ok = status == expected
            detail = f"status {status}"
        except Exception as e:  # connection reset, refused, timeout: all count as failures
            detail = repr(e)
            conn.close()
            conn = None
        if not args.keep_alive and conn:
            conn.close()
            conn = None
        with lock:
            totals["sent"] += 1
            if not ok:
                totals["failed"] += 1
                if len(failures) < 10:
                    failures.append(f"{method} {path}: {detail}")


pool = [threading.Thread(target=worker, args=(n,)) for n in range(args.threads)]
for t in pool:
    t.start()
for t in pool:
    t.join()
print(json.dumps({**totals, "failures": failures}))
