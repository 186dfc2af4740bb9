"""Migrations run on SQLite too; the CLI creates users; demo data loads once and announces itself."""
import json

from sqlalchemy import create_engine, text

from common.auth import generate_private_key_pem
from identity import cli, demo
from identity.settings import Settings


def _env(monkeypatch, tmp_path):
    key = tmp_path / "jwt.pem"
    key.write_bytes(generate_private_key_pem())
    url = f"sqlite:///{tmp_path / 'identity.db'}"
    for name, value in {"IDENTITY_DATABASE_URL": url, "JWT_PRIVATE_KEY_FILE": str(key), "AMQP_URL": "memory://",
                        "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "8"}.items():
        monkeypatch.setenv(name, value)
    return url


def test_migrate_and_create_user_on_sqlite(monkeypatch, tmp_path, capsys):
    url = _env(monkeypatch, tmp_path)
    assert cli.main(["migrate"]) == 0
    assert cli.main(["create-user", "--email", "Boss@Example.com", "--password", "a sturdy passphrase",
                     "--role", "admin", "--name", "The Boss"]) == 0
    assert "created admin boss@example.com" in capsys.readouterr().out
    assert cli.main(["create-user", "--email", "boss@example.com", "--password", "a sturdy passphrase"]) == 2
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT role FROM accounts")).scalars().all() == ["admin"]
        assert conn.execute(text("SELECT routing_key FROM outbox")).scalars().all() == ["account.created.v1"]
    engine.dispose()


def test_demo_data_is_idempotent_and_emits_events(monkeypatch, tmp_path):
    url = _env(monkeypatch, tmp_path)
    cli.migrate(url)
    demo.load(Settings.from_env())
    demo.load(Settings.from_env())
    engine = create_engine(url)
    with engine.connect() as conn:
        emails = conn.execute(text("SELECT email FROM accounts ORDER BY email")).scalars().all()
        members = conn.execute(text(
            "SELECT o.name, a.email FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id "
            "JOIN accounts a ON a.id = m.account_id ORDER BY o.name, a.email")).all()
        keys = conn.execute(text("SELECT routing_key, body FROM outbox")).all()
    engine.dispose()
    assert emails == ["admin@example.com", "agent@example.com", "alice@example.com", "bob@example.com",
                      "carol@example.com", "dave@example.com"]
    assert [tuple(m) for m in members] == [("Acme Media", "alice@example.com"), ("Acme Media", "bob@example.com"),
                                           ("Northwind Radio", "dave@example.com")]
    counts = {}
    for key, _body in keys:
        counts[key] = counts.get(key, 0) + 1
    assert counts == {"account.created.v1": 6, "organisation.created.v1": 2, "organisation.member_added.v1": 3}
    roles = {json.loads(body)["data"]["email"]: json.loads(body)["data"]["role"]
             for key, body in keys if key == "account.created.v1"}
    assert roles["agent@example.com"] == "agent" and roles["admin@example.com"] == "admin"
