#!/usr/bin/env python3
"""Push throughput of a running `ft serve`: one client signs in as the demo client and pushes
batches of 100 new messages into its dossier over one keep-alive connection; prints operations
committed per second (median of the batches' rates and overall) and the p50/p99 of a batch."""
import http.client
import json
import statistics
import sys
import time


def main(port, batches=200):
    connection = http.client.HTTPConnection("127.0.0.1", port)

    def call(method, path, body=None, token=None):
        headers = {"Content-Type": "application/json", "FT-Protocol": "1"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")

    status, session = call("POST", "/api/v1/session", {"email": "client@financialtracker.example", "password": "demo-financialtracker"})
    assert status == 201, session
    token = session["token"]
    _, first = call("GET", "/api/v1/sync/pull?cursor=0", token=token)
    conversation = next(op["fields"]["conversation"] for op in first["snapshot"] if op["collection"] == "message")
    now = int(time.time() * 1000)
    durations = []
    started = time.perf_counter()
    for batch in range(batches):
        operations = [{
            "id": f"bench-{now}-{batch}-{i}", "collection": "message", "action": "insert", "record": f"bench-{now}-{batch}-{i}",
            "fields": {"conversation": conversation, "body": f"message {batch}/{i}"}, "hlc": f"{now:016d}-{(batch * 100 + i) % 99999:05d}-bench",
        } for i in range(100)]
        t0 = time.perf_counter()
        status, answer = call("POST", "/api/v1/sync/push", {"operations": operations}, token)
        durations.append(time.perf_counter() - t0)
        assert status == 200 and all(r["status"] == "accepted" for r in answer["results"]), answer
    total = time.perf_counter() - started
    durations.sort()
    print(f"push: {batches * 100} operations in batches of 100 in {total:.2f} s = {batches * 100 / total:,.0f} ops/s; "
          f"batch p50 {statistics.median(durations) * 1000:.1f} ms, p99 {durations[int(len(durations) * 0.99) - 1] * 1000:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]))
