#!/usr/bin/env python3
"""Steady mixed load against a Conduit API until a stop file appears; prints sent/failed as JSON.

Usage: rolling_load.py BASE_URL STOP_FILE [THREADS]
Reads and writes: article list, one article, tags, and favorite/unfavorite with a real token.
A request fails on a connection error, a timeout or any status other than the expected one.
Each request has a connection of its own: nginx closes idle keep-alive connections when it
reloads, and a request written into such a connection would measure nginx, not quill.
"""
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

base, stop_file = sys.argv[1], sys.argv[2]
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 6
url = urllib.parse.urlsplit(base)


def call(conn, method, path, token=None, body=None):
    headers = {"Content-Type": "application/json", "Connection": "close"}
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
status, raw = call(setup, "POST", "/api/articles", token, {"article": {
    "title": "Rolling " + uid, "description": "d", "body": "b", "tagList": ["rolling"]}})
assert status == 201, (status, raw)
slug = urllib.parse.quote(json.loads(raw)["article"]["slug"])

plan = [
    ("GET", "/api/articles?limit=10", None, 200),
    ("GET", f"/api/articles/{slug}", None, 200),
    ("GET", "/api/tags", None, 200),
    ("POST", f"/api/articles/{slug}/favorite", token, 200),
    ("DELETE", f"/api/articles/{slug}/favorite", token, 200),
]
lock = threading.Lock()
totals = {"sent": 0, "failed": 0}
failures = []


def worker():
    i = 0
    while not os.path.exists(stop_file):
        method, path, tok, expected = plan[i % len(plan)]
        i += 1
        ok = False
        detail = ""
        conn = connect()
        try:
            status, _ = call(conn, method, path, tok)
            ok = status == expected
            detail = f"status {status}"
        except Exception as e:  # connection reset, refused, timeout: all count as failures
            detail = repr(e)
        finally:
            conn.close()
        with lock:
            totals["sent"] += 1
            if not ok:
                totals["failed"] += 1
                if len(failures) < 10:
                    failures.append(f"{method} {path}: {detail}")


pool = [threading.Thread(target=worker) for _ in range(threads)]
for t in pool:
    t.start()
for t in pool:
    t.join()
print(json.dumps({**totals, "failures": failures}))
