#!/usr/bin/env python3
"""Latency of the worst searches quill can be asked, against a running server.

    scripts/search-latency.py [BASE_URL] [RUNS]

BASE_URL defaults to http://127.0.0.1:8080, RUNS (per query, after two warm-up runs) to 50. The
queries are what a seeded site (`quill seed`) makes expensive, by kind: one letter and short
words or prefixes of the commonest words (2 to 4 letters, which SQLite's prefix indexes serve),
long words and prefixes of five letters or more of common words (matched with their
completions), rare words (an article's number in its image address, a word no article has), and
several words at once, English and Korean. Prints p50, p99 and the slowest time per query in
milliseconds and the answer's `articlesCount`, then the worst p99 of each kind. The read cache is
bypassed: every request carries a query string of its own.
"""

import http.client
import json
import sys
import time
import urllib.parse

QUERIES = [
    ("short", "a"),
    ("short", "t"),
    ("short", "th"),
    ("short", "the"),
    ("short", "rust"),
    ("short", "오"),
    ("short", "오늘"),
    ("short", "커피"),
    ("short", "우리는"),
    ("long", "alway"),
    ("long", "always"),
    ("long", "peopl"),
    ("long", "learn"),
    ("long", "quest"),
    ("long", "photograph"),
    ("long", "데이터베이스"),
    ("rare", "zzzzqq"),
    ("rare", "31345"),
    ("rare", "picsum 31345"),
    ("multi", "good way time"),
    ("multi", "people always never better quiet"),
    ("multi", "the a good way time work idea story people day every most some never always again"),
    ("multi", "learn alway quest peopl bette"),
    ("multi", "우리는 이야기를"),
    ("multi", "rust zzzzqq"),
]


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
    worst = {}
    print(f"{'kind':<6} {'query':<40} {'p50':>8} {'p99':>8} {'max':>8}  articlesCount")
    for kind, q in QUERIES:
        times = []
        count = None
        for i in range(runs + 2):
            # A parameter of its own per request keeps the read cache out of the measure.
            path = "/api/articles?" + urllib.parse.urlencode({"q": q, "limit": 20, "n": i})
            started = time.perf_counter()
            conn.request("GET", path)
            res = conn.getresponse()
            body = res.read()
            elapsed = (time.perf_counter() - started) * 1000
            if res.status != 200:
                sys.exit(f"{q!r}: {res.status} {body[:200]!r}")
            if i >= 2:
                times.append(elapsed)
            count = json.loads(body)["articlesCount"]
        times.sort()
        p50 = times[len(times) // 2]
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        worst[kind] = max(worst.get(kind, 0.0), p99)
        label = q if len(q) <= 38 else q[:35] + "..."
        print(f"{kind:<6} {label:<40} {p50:8.1f} {p99:8.1f} {times[-1]:8.1f}  {count}")
    for kind, p99 in worst.items():
        print(f"worst p99, {kind}: {p99:.1f} ms")
    print(f"worst p99: {max(worst.values()):.1f} ms")


if __name__ == "__main__":
    main()
