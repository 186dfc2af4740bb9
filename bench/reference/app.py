"""The bare reference: the least a Flask + SQLAlchemy Core service must do for the same requests.

``POST /request`` validates a JSM-shaped create body and, in one transaction, takes the desk's next
number, inserts the ticket and one outbox row (a CloudEvent). ``GET /request`` lists 50 of a
reporter's tickets by latest activity from the seeded tickets database, in one statement. No auth, no
ORM, no replica, no events published: the floor the real services are measured against.
Run by gunicorn (gthread, 2 workers x 8 threads) from ``bench/reference/gunicorn.conf.py``.
"""
from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone

from flask import Flask, jsonify, request
from sqlalchemy import (
    Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, insert, select, text, update,
)

metadata = MetaData()
desks = Table("ref_desks", metadata, Column("id", Integer, primary_key=True), Column("key", String(10)),
              Column("last_number", Integer, nullable=False, default=0))
tickets = Table("ref_tickets", metadata, Column("id", Integer, primary_key=True),
                Column("desk_id", Integer, nullable=False), Column("key", String(30), nullable=False, unique=True),
                Column("request_type_id", Integer, nullable=False), Column("reporter", String(64), nullable=False),
                Column("summary", String(255), nullable=False), Column("description", Text, nullable=False),
                Column("status", String(40), nullable=False), Column("created_at", DateTime(timezone=True)))
outbox = Table("ref_outbox", metadata, Column("id", Integer, primary_key=True),
               Column("event_id", String(64), nullable=False, unique=True), Column("body", Text, nullable=False),
               Column("created_at", DateTime(timezone=True)), Column("published_at", DateTime(timezone=True)))


def prepare(url: str) -> None:
    """Create the reference tables and its three desks (idempotent)."""
    engine = create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        if not conn.execute(select(desks.c.id)).first():
            conn.execute(insert(desks), [{"id": i, "key": k, "last_number": 0} for i, k in ((1, "AM"), (2, "TV"), (3, "RA"))])
    engine.dispose()


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["REFERENCE_DATABASE_URL"], pool_size=8, max_overflow=0)
    reads = create_engine(os.environ["REFERENCE_READ_DATABASE_URL"], pool_size=8, max_overflow=0)

    @app.post("/request")
    def create():
        body = request.get_json(silent=True) or {}
        fields = body.get("requestFieldValues") or {}
        summary, description = fields.get("summary"), fields.get("description", "")
        errors = {}
        if not isinstance(body.get("serviceDeskId"), (str, int)) or str(body["serviceDeskId"]) not in ("1", "2", "3"):
            errors["serviceDeskId"] = "unknown desk"
        if not str(body.get("requestTypeId", "")).isdigit():
            errors["requestTypeId"] = "required"
        if not isinstance(summary, str) or not summary.strip() or len(summary) > 255:
            errors["summary"] = "required, at most 255 characters"
        if not isinstance(description, str) or len(description) > 32000:
            errors["description"] = "at most 32,000 characters"
        if errors:
            return jsonify({"errorMessage": "invalid request", "errors": errors}), 400
        now = datetime.now(timezone.utc)
        with engine.begin() as conn:
            desk_id = int(body["serviceDeskId"])
            key, number = conn.execute(update(desks).where(desks.c.id == desk_id)
                                       .values(last_number=desks.c.last_number + 1)
                                       .returning(desks.c.key, desks.c.last_number)).one()
            issue_key = f"{key}-{number}"
            ticket_id = conn.execute(insert(tickets).values(
                desk_id=desk_id, key=issue_key, request_type_id=int(body["requestTypeId"]), reporter="reference",
                summary=summary, description=description, status="Waiting for support", created_at=now,
            ).returning(tickets.c.id)).scalar_one()
            event_id = uuid.uuid4().hex
            conn.execute(insert(outbox).values(event_id=event_id, created_at=now, body=json.dumps({
                "specversion": "1.0", "id": event_id, "type": "ticket.created.v1", "source": "/reference",
                "time": now.isoformat(), "data": {"ticketId": ticket_id, "key": issue_key, "summary": summary}})))
        return jsonify({"issueId": str(ticket_id), "issueKey": issue_key,
                        "currentStatus": {"status": "Waiting for support"}}), 201

    @app.get("/request")
    def my_requests():
        reporter = request.args.get("reporter", "")
        limit = min(int(request.args.get("limit", "50")), 100)
        with reads.connect() as conn:
            rows = conn.execute(text(
                "SELECT id, key, summary, status, created_at FROM tickets WHERE reporter_id = :r "
                "ORDER BY last_activity_at DESC, id DESC LIMIT :l"), {"r": reporter, "l": limit}).all()
        return jsonify({"size": len(rows), "start": 0, "limit": limit, "isLastPage": len(rows) < limit,
                        "values": [{"issueId": str(r.id), "issueKey": r.key, "summary": r.summary,
                                    "currentStatus": {"status": r.status}, "createdDate": r.created_at.isoformat()}
                                   for r in rows]})

    return app
