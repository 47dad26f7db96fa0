"""No GET changes state: every GET route of the URL map, as visitor, resident and administrator,
leaves every table exactly as it was (row by row, not just the counts)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from sharing.extensions import db
from tests.web.test_authorization_matrix import Walker, _url

ROLES = ("anonymous", "resident_a", "admin")


def fingerprint(session) -> dict[str, str]:
    """A checksum of every row of every table."""
    sums = {}
    for table in db.metadata.sorted_tables:
        rows = sorted(repr(tuple(row)) for row in session.execute(select(table)))
        sums[table.name] = f"{len(rows)}:{hashlib.sha256(chr(10).join(rows).encode()).hexdigest()[:16]}"
    session.commit()
    return sums


def test_no_get_request_changes_the_database(app_ctx, session, tmp_path, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "PHOTO_FOLDER", str(tmp_path))
    walker = Walker(app_ctx, session, tmp_path)
    before = fingerprint(session)
    changed, visited = [], 0
    for rule in sorted(app_ctx.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if "GET" not in rule.methods:
            continue
        for role in ROLES:
            url, problem = _url(rule, walker.world, "own")
            assert problem is None, problem
            response = walker.send(role, "GET", url)
            response.close()
            visited += 1
            after = fingerprint(session)
            if after != before:
                diff = sorted(name for name in after if after[name] != before[name])
                changed.append(f"GET {url} [{rule.endpoint}] as {role} changed {diff}")
                walker.rebuild()
                after = fingerprint(session)
            before = after
    assert changed == []
    assert visited >= 3 * 30  # the walk really covered the app
