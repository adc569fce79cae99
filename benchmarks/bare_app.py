"""The baseline for the HTTP benchmark: the same markup and a single-row insert, nothing else.

Served by gunicorn exactly like the real app, so the ratio isolates the app's own work.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from flask import Flask, Response, jsonify, request

app = Flask(__name__)
PAGE = Path(os.environ["BARE_PAGE"]).read_text()
DATABASE = os.environ["BARE_DATABASE"]


@app.get("/page")
def page() -> Response:
    return Response(PAGE, mimetype="text/html")


@app.post("/insert")
def insert() -> Response:
    body = request.get_json(silent=True) or {}
    with sqlite3.connect(DATABASE, timeout=30) as connection:
        connection.execute(
            "INSERT INTO answer_copy (item_id, value) VALUES (?, ?)",
            (str(body.get("item", "")), str(body.get("value", ""))),
        )
    return jsonify(saved=True)
