"""The app as gunicorn serves it, plus the HTTP benchmark's floor: a request that writes one row.

`POST /bench/one-row` inserts one audit row with a plain INSERT and commits, through the same
stack (gunicorn, Flask, the request hooks, SQLAlchemy, the database) a booking goes through:
no booking can cost less. Only bench/bench_http.py serves this module.
"""

from flask import jsonify

from sharing import create_app
from sharing.extensions import csrf, db
from sharing.services.audit import record

app = create_app()


@app.post("/bench/one-row")
@csrf.exempt
def one_row():
    """Write one audit row and commit."""
    record(db.session, actor=None, action="bench.one_row", object_type="bench")
    db.session.commit()
    return jsonify(written=True), 201

