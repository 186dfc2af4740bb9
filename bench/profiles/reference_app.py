"""The bare reference of intake: Flask + SQLAlchemy Core, validate, insert a ticket and an outbox row
in one transaction. ``gunicorn -k gthread -w 2 --threads 8 'reference_app:create_app()'``."""
from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone

from flask import Flask, jsonify, request
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, insert

metadata = MetaData()
tickets = Table("ref_tickets", metadata, Column("id", Integer, primary_key=True), Column("summary", String(255)),
                Column("description", Text), Column("desk_id", Integer), Column("created_at", DateTime(timezone=True)))
outbox = Table("ref_outbox", metadata, Column("id", Integer, primary_key=True), Column("body", JSON),
               Column("created_at", DateTime(timezone=True)))


def create_app():
    engine = create_engine(os.environ["REFERENCE_DATABASE_URL"], pool_size=8)
    metadata.create_all(engine)
    app = Flask("reference")

    @app.post("/request")
    def create():
        data = request.get_json()
        values = data.get("requestFieldValues") or {}
        if not values.get("summary"):
            return jsonify(errorMessage="summary is required"), 400
        now = datetime.now(timezone.utc)
        with engine.begin() as conn:
            ticket_id = conn.execute(insert(tickets).values(
                summary=values["summary"], description=values.get("description", ""),
                desk_id=int(data["serviceDeskId"]), created_at=now).returning(tickets.c.id)).scalar_one()
            conn.execute(insert(outbox).values(body={"id": str(uuid.uuid4()), "ticketId": ticket_id}, created_at=now))
        return jsonify(issueId=str(ticket_id)), 201

    return app
