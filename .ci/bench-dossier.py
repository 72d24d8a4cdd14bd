"""`make bench`: opening a dossier through sync (issue 20: "creating a dossier with its steps
through sync costs no more than 3× a message push", "automatic assignment among 10,000 experts in
under 5 ms").

Seeds 10,000 experts (and 2,000 clients), starts the release `ft serve` (no site rebuilds, no
mail, no alert rounds), signs the demo client in, then RUNS times, in turn: a one-message push to
its conversation; a one-operation push of a new dossier for the scheme most experts hold, nobody
asked for (its steps, and the offer to the best expert by the rules among the scheme's experts);
the same with an expert asked for (no routing). Prints each median, the dossier's cost as a ratio
to the message push, the routing's share (the difference of the two dossier pushes), and
`GET /healthz`'s median as the floor of any round trip here.

Usage: python3 .ci/bench-dossier.py path/to/ft [RUNS]
"""
import base64
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from announcement_bench import serve, wait_indexed

FT = os.path.abspath(sys.argv[1])
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 40


def request(port, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json", "FT-Protocol": "1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers), timeout=30) as answer:
        return answer.read()


def meeting(questions):
    """Answers that meet every requirement, each question answered when it is asked."""
    answers = {}
    for question in questions:
        dependency = question.get("askedWhen")
        if dependency and answers.get(dependency["question"]) not in (dependency["condition"].get("anyOf") or [answers.get(dependency["question"])]):
            continue
        requirement = question.get("requirement") or {}
        if question["kind"] == "yes_no":
            answers[question["key"]] = (requirement.get("anyOf") or ["oui"])[0]
        elif question["kind"] == "number":
            answers[question["key"]] = str(max(requirement.get("atLeast") or 1, 1) * 10)
        else:
            answers[question["key"]] = question["choices"][0]
    return answers


def main():
    root = tempfile.mkdtemp(prefix="ft-bench-dossier-")
    data = os.path.join(root, "data")
    environment = {**os.environ, "FT_DOCUMENT_KEY": base64.b64encode(os.urandom(32)).decode()}
    server = None
    try:
        experts = os.environ.get("EXPERTS", "10000")
        subprocess.run([FT, "seed", "--data-dir", data, "--experts", experts, "--clients", "2000", "--today", "2026-11-20"], check=True, stdout=subprocess.DEVNULL, env=environment)
        db = sqlite3.connect(os.path.join(data, "financialtracker.sqlite"))
        product, holders, questions = db.execute("""
            SELECT s.productId, count(*), p.eligibilityQuestions FROM expertSpecialty s JOIN eligibleProduct p ON p.id = s.productId
            GROUP BY s.productId ORDER BY count(*) DESC LIMIT 1""").fetchone()
        requested = db.execute("""
            SELECT e.id FROM expert e JOIN expertSpecialty s ON s.expertId = e.id WHERE s.productId = ? AND e.approval = 'approved' AND e.active = 1
            ORDER BY e.id LIMIT 1""", (product,)).fetchone()[0]
        answers = json.dumps(meeting(json.loads(questions)), ensure_ascii=False)
        # The shared start (no rebuild, compaction, archiving or alert rounds), without mail or push.
        server, port = serve(FT, root, data, environment, "--no-mail", "--no-push")
        wait_indexed(db, "dossier pushes")
        token = json.loads(request(port, "POST", "/api/v1/session", {"email": "client@financialtracker.example", "password": "demo-financialtracker"}))["token"]
        snapshot = json.loads(request(port, "GET", "/api/v1/sync/pull?cursor=0&limit=1", token=token))["snapshot"]
        conversation = next(op["fields"]["conversation"] for op in snapshot if op["collection"] == "message")

        def push(operation):
            operation["hlc"] = f"{int(time.time() * 1000):016d}-00000-bench"
            started = time.perf_counter()
            answer = json.loads(request(port, "POST", "/api/v1/sync/push", {"operations": [operation]}, token=token))
            elapsed = time.perf_counter() - started
            if answer["results"][0]["status"] != "accepted":
                raise SystemExit(f"refused: {answer}")
            return elapsed

        floors = []
        for _ in range(200):
            started = time.perf_counter()
            request(port, "GET", "/healthz")
            floors.append(time.perf_counter() - started)
        messages, routed, asked = [], [], []
        for run in range(RUNS + 5):
            fields = {"product": product, "description": f"Dossier de mesure {run}", "amount": 20_000, "answers": answers}
            timings = (
                push({"id": f"bench-m-{run}", "collection": "message", "action": "insert", "record": f"bench-m-{run}", "fields": {"conversation": conversation, "body": f"Message {run}"}}),
                push({"id": f"bench-r-{run}", "collection": "dossier", "action": "insert", "record": f"bench-r-{run}", "fields": fields}),
                push({"id": f"bench-a-{run}", "collection": "dossier", "action": "insert", "record": f"bench-a-{run}", "fields": dict(fields, expert=requested)}),
            )
            if run >= 5:  # the first few warm the server's caches
                for series, value in zip((messages, routed, asked), timings):
                    series.append(value * 1000)
        offered = db.execute("""SELECT count(*) FROM dossier d JOIN expertAssignment a ON a.dossierId = d.id
            WHERE d.requestId LIKE 'bench-r-%' AND a.status = 'pending'""").fetchone()[0]
        steps = db.execute("SELECT count(*) FROM dossierStep s JOIN dossier d ON d.id = s.dossierId WHERE d.requestId = 'bench-r-5'").fetchone()[0]
        floor = statistics.median(floors) * 1000
        message, dossier, direct = statistics.median(messages), statistics.median(routed), statistics.median(asked)
        print(f"open a dossier through sync ({experts} experts, {holders} of them on the scheme; {steps} steps; {offered} of {RUNS + 5} routed dossiers offered): "
              f"message push median {message:.2f} ms, dossier push with routing {dossier:.2f} ms = {dossier / message:.2f}× the message push (target ≤ 3×), "
              f"with an expert asked for {direct:.2f} ms = {direct / message:.2f}×; routing's share {dossier - direct:.2f} ms "
              f"(target < 5 ms); GET /healthz median {floor:.2f} ms, over {RUNS} runs")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=60)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
