"""HTTP clients that run in their own processes: each fires its share of a round's requests at once."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request


def post_json(url: str, token: str, body: dict | None, timeout: float = 120.0) -> tuple[int, dict]:
    """POST a JSON body with a bearer token (GET without one); the status and the decoded answer (errors included)."""
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     method="POST" if body is not None else "GET", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            return error.code, json.loads(payload or b"{}")
        except ValueError:
            return error.code, {"raw": payload[:500].decode(errors="replace")}
    except OSError as error:  # connection refused or reset: counts as a server failure
        return 599, {"error": repr(error)}


def fire_rounds(url: str, rounds: list[list[tuple[str, dict]]], start_at_epoch: float,
                round_seconds: float) -> list[tuple[int, int, list[str]]]:
    """For each round, send this process's requests in parallel threads at the round's start time.

    A request's body None sends a GET. Returns (round, status, reason kinds) per request.
    """
    results: list[tuple[int, int, list[str]]] = []
    lock = threading.Lock()

    def send(round_no: int, token: str, body: dict, barrier: threading.Barrier) -> None:
        barrier.wait(timeout=120)
        status, answer = post_json(url, token, body)
        kinds = sorted({r.get("kind", "?") for r in answer.get("reasons", [])}) if status == 409 else []
        if status >= 500 or status not in (201, 409):
            kinds = [json.dumps(answer)[:300]]
        with lock:
            results.append((round_no, status, kinds))

    for round_no, requests in enumerate(rounds):
        barrier = threading.Barrier(len(requests))
        threads = [threading.Thread(target=send, args=(round_no, token, body, barrier)) for token, body in requests]
        time.sleep(max(0.0, start_at_epoch + round_no * round_seconds - time.time()))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return results
