"""The backup and restore drill of docs/deploy.md, with its commands, on a stack that holds data.

The stack runs as processes (scripts/stack.py) on the shared PostgreSQL under database names of
its own. It gets an agent, a customer with a password and an API token, and a request with public
and internal comments and an attachment. Every database is dumped with ``pg_dump`` while the
stack runs, the originals are dropped, the dumps are restored with ``createdb`` and ``pg_restore``
into new databases and the stack is started on those: the same logins, the same API token, the
same request with its comments and attachment answer, the migrations find nothing to do, and the
system goes on (a new request takes the next key, a reply reaches the customer by email, and no
email is sent twice). Its databases, queues and exchanges are dropped at the end.
"""
from __future__ import annotations

import os
import re
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from common.db import drop_database, normalise_url
from common.testing import (
    amqp_server_url, check_reachable, free_port, postgres_server_url, redis_server_url, unique_name, wait_for,
)
from conftest import Mailbox, clean_bus, dump_logs, login
from stack import Stack, database_urls, stack_env

ROOT = Path(__file__).resolve().parents[2]
API = "/rest/servicedeskapi"
DATABASES = ("identity", "tickets", "notifier", "inbound")
# The two lines of docs/deploy.md's commands that name the server and the databases.
DOC_PGURL = "PGURL=postgresql://postgres:PASSWORD@HOST:5432"
DOC_LOOP = "for db in identity tickets notifier inbound; do"
AGENT = ("agent@example.com", "agent-password-drill-1")  # the demo desks' agent (tickets.cli demo)
CUSTOMER_PASSWORD = "customer-password-drill-1"
ATTACHMENT = b"12:00 player started\n12:01 no fingerprints since\n"


def documented_blocks() -> tuple[str, str]:
    """The backup and the restore commands of docs/deploy.md, as its reader copies them."""
    section = (ROOT / "docs" / "deploy.md").read_text().split("## Backup and restore", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) == 2 and "pg_dump" in blocks[0] and "pg_restore" in blocks[1], blocks
    return blocks[0], blocks[1]


def run_documented(block: str, server: str, names: dict[str, str], folder: Path) -> None:
    """Run a block of the guide with this run's server and database names in place of its examples
    (URL.set(database=None) would keep the name, hence _replace)."""
    pgurl = make_url(normalise_url(server)).set(drivername="postgresql")._replace(database=None)
    for old, new in [(DOC_PGURL, f"PGURL={pgurl.render_as_string(hide_password=False)}"),
                     (DOC_LOOP, f"for db in {' '.join(names[db] for db in DATABASES)}; do")]:
        assert old in block, f"docs/deploy.md no longer has {old!r}; update this test with it"
        block = block.replace(old, new)
    subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=folder, check=True, timeout=300)


def revisions(urls: dict[str, str]) -> dict[str, list[str]]:
    found = {}
    for db, url in urls.items():
        engine = create_engine(normalise_url(url))
        try:
            with engine.connect() as conn:
                found[db] = sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
        finally:
            engine.dispose()
    return found


def seed(api: httpx.Client, mailbox: Mailbox) -> dict:
    """An agent, an invited customer with a password and an API token, a request they follow."""
    agent = login(api, *AGENT)
    email = f"drill-{uuid.uuid4().hex[:8]}@example.com"
    assert api.post("/api/identity/invitations", json={"emails": [email]}, headers=agent).status_code in (200, 201)
    token = Mailbox.link_token(wait_for(lambda: mailbox.to(email), what=f"the invitation to {email}")[0])
    accepted = api.post("/api/identity/invitations/accept",
                        json={"token": token, "password": CUSTOMER_PASSWORD, "displayName": "Dana Drill"})
    assert accepted.status_code in (200, 201), accepted.text
    created = api.post("/api/identity/me/tokens", json={"label": "scripts"},
                       headers=login(api, email, CUSTOMER_PASSWORD))
    assert created.status_code == 201, created.text
    basic = (email, created.json()["token"])

    desks = api.get(f"{API}/servicedesk", auth=basic).json()["values"]
    am = next(d for d in desks if d["projectKey"] == "AM")
    incident = next(t for t in api.get(f"{API}/servicedesk/{am['id']}/requesttype", auth=basic).json()["values"]
                    if t["name"] == "Incident")
    request = api.post(f"{API}/request", auth=basic, json={
        "serviceDeskId": am["id"], "requestTypeId": incident["id"],
        "requestFieldValues": {"summary": "Matching stopped after the backup window", "description": "Since 02:00."}})
    assert request.status_code == 201, request.text
    key = request.json()["issueKey"]
    for body, public, caller in [("Which station is affected?", True, {"headers": agent}),
                                 ("Looks like the feed, not the player.", False, {"headers": agent}),
                                 ("Radio One.", True, {"auth": basic})]:
        comment = api.post(f"{API}/request/{key}/comment", json={"body": body, "public": public}, **caller)
        assert comment.status_code == 201, comment.text
    upload = api.post(f"{API}/servicedesk/{am['id']}/attachTemporaryFile", auth=basic,
                      headers={"X-Atlassian-Token": "no-check"}, files={"file": ("player.log", ATTACHMENT)})
    assert upload.status_code == 201, upload.text
    attached = api.post(f"{API}/request/{key}/attachment", auth=basic, json={
        "temporaryAttachmentIds": [upload.json()["temporaryAttachments"][0]["temporaryAttachmentId"]], "public": True})
    assert attached.status_code == 201, attached.text
    wait_for_status_email(mailbox, email, key)  # before the backup: after it, no email may come twice
    return {"email": email, "basic": basic, "key": key, "am": am["id"], "incident": incident["id"]}


def wait_for_status_email(mailbox: Mailbox, email: str, key: str) -> None:
    """The agent's public reply has reached the customer as a "Waiting for customer" email."""
    wait_for(lambda: [m for m in mailbox.to(email, key)
                      if "Waiting for customer" in str(m["Subject"]) + Mailbox.text(m)],
             timeout=30, what=f"the status email about {key} to {email}")


def snapshot(api: httpx.Client, data: dict) -> dict:
    """What the customer and the agent see of the seeded data."""
    agent = login(api, *AGENT)
    customer = login(api, data["email"], CUSTOMER_PASSWORD)
    key, basic = data["key"], data["basic"]
    request = api.get(f"{API}/request/{key}", auth=basic)
    assert request.status_code == 200, request.text
    attachments = api.get(f"{API}/request/{key}/attachment", auth=basic).json()["values"]
    content = httpx.get(attachments[0]["_links"]["content"], auth=basic, timeout=30)
    assert content.status_code == 200, content.text
    strip = ("_links", "_expands")
    return {
        "request": {k: v for k, v in request.json().items() if k not in strip},
        "status": api.get(f"{API}/request/{key}/status", auth=basic).json()["values"],
        "customer comments": [(c["body"], c["public"], c["author"]["emailAddress"])
                              for c in api.get(f"{API}/request/{key}/comment", auth=basic).json()["values"]],
        "agent comments": [(c["body"], c["public"], c["author"]["emailAddress"])
                           for c in api.get(f"{API}/request/{key}/comment", headers=agent).json()["values"]],
        "attachments": [(a["filename"], a["size"]) for a in attachments],
        "attachment content": content.content,
        # lastUsedAt moves with each use of the token, this snapshot's own included.
        "tokens": [{k: v for k, v in t.items() if k != "lastUsedAt"}
                   for t in api.get("/api/identity/me/tokens", headers=customer).json()["values"]],
        "my requests": [r["issueKey"] for r in api.get(f"{API}/request", auth=basic).json()["values"]],
    }


@pytest.fixture
def drill_env(mailbox, tmp_path):
    pg, amqp = postgres_server_url(), amqp_server_url()
    check_reachable(pg, "postgres")
    check_reachable(amqp, "rabbitmq")
    original = unique_name("drill") + "_"
    ports = {name: free_port() for name in ("gateway", "identity", "tickets", "notifier", "lmtp")}
    bus_prefix = unique_name("drill") + "."
    env = stack_env(dict(os.environ), pg_server=pg, amqp_url=amqp, bus_prefix=bus_prefix,
                    smtp_url=f"smtp://127.0.0.1:{mailbox.port}", ports=ports, key_dir=tmp_path / "keys",
                    db_prefix=original, redis_url=redis_server_url())
    env.update({"WEB_CONCURRENCY": "1", "PASSWORD_HASH_PROFILE": "fast",
                "ADDRESS_RATE_LIMIT": "1000"})
    urls = {"original": database_urls(pg, original)}
    urls["restored"] = {db: make_url(url).set(database=f"{make_url(url).database}_restored")
                        .render_as_string(hide_password=False) for db, url in urls["original"].items()}
    try:
        yield pg, env, ports, urls
    finally:
        for group in urls.values():
            for url in group.values():
                drop_database(url)
        clean_bus(amqp, bus_prefix)


def run_stack(env: dict, ports: dict, logs: Path) -> Stack:
    stack = Stack(env, ports, logs)
    try:
        stack.start()
    except Exception:
        dump_logs(stack)
        stack.stop()
        raise
    return stack


def test_a_restored_backup_brings_back_accounts_tokens_and_requests(drill_env, mailbox, tmp_path):
    server, env, ports, urls = drill_env
    backup_block, restore_block = documented_blocks()
    names = {db: make_url(url).database for db, url in urls["original"].items()}
    dumps = tmp_path / "dumps"
    dumps.mkdir()

    stack = run_stack(env, ports, tmp_path / "logs-original")
    try:
        stack.bootstrap(*AGENT)
        with httpx.Client(base_url=stack.gateway_url, timeout=30) as api:
            data = seed(api, mailbox)
            before = snapshot(api, data)
        run_documented(backup_block, server, names, dumps)  # while the stack runs, as a nightly backup would
    except Exception:
        dump_logs(stack)
        raise
    finally:
        stack.stop()
    revisions_before = revisions(urls["original"])
    for url in urls["original"].values():
        drop_database(url)  # the restored stack cannot be reading the originals

    run_documented(restore_block, server, names, dumps)
    restored_env = {**env, **{f"{db.upper()}_DATABASE_URL": url for db, url in urls["restored"].items()}}
    stack = run_stack(restored_env, ports, tmp_path / "logs-restored")
    try:
        assert revisions(urls["restored"]) == revisions_before, "the migrations had nothing to do"
        with httpx.Client(base_url=stack.gateway_url, timeout=30) as api:
            after = snapshot(api, data)
            for part in before:
                assert after[part] == before[part], part
            assert after["attachment content"] == ATTACHMENT
            assert [c[0] for c in after["agent comments"]] == [
                "Which station is affected?", "Looks like the feed, not the player.", "Radio One."]
            assert "Looks like the feed, not the player." not in [c[0] for c in after["customer comments"]]
            wrong = api.post("/api/identity/login", json={"email": data["email"], "password": "not-the-password-1"})
            assert wrong.status_code == 401, wrong.text

            # The restored system goes on: keys continue, events flow, emails go out once.
            again = api.post(f"{API}/request", auth=data["basic"], json={
                "serviceDeskId": data["am"], "requestTypeId": data["incident"],
                "requestFieldValues": {"summary": "After the restore"}})
            assert again.status_code == 201, again.text
            project, number = data["key"].split("-")
            assert again.json()["issueKey"] == f"{project}-{int(number) + 1}"
            reply = api.post(f"{API}/request/{again.json()['issueKey']}/comment", headers=login(api, *AGENT),
                             json={"body": "Seen after the restore.", "public": True})
            assert reply.status_code == 201, reply.text
            wait_for_status_email(mailbox, data["email"], again.json()["issueKey"])
            # A Message-ID is derived from (event, recipient): the same one twice is an email sent again.
            ids = [m["Message-ID"] for m in mailbox.messages]
            assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    except Exception:
        dump_logs(stack)
        raise
    finally:
        stack.stop()
