"""``make run``: the whole service desk in one process, with nothing else installed.

SQLite files per service under ``var/``, kombu's in-memory transport as the bus, emails written as
``.eml`` files to ``var/mail`` (shown at ``/dev/mail``). The services are the same code as in
production; only their settings differ: the gateway reaches identity and tickets through in-process
WSGI transports instead of the network, and relays and workers run as threads.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path

import httpx
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from devkeys import ensure_keys  # noqa: E402

DEMO_LOGINS = [
    ("agent@example.com", "agent, all desks"),
    ("admin@example.com", "admin"),
    ("alice@example.com", "customer, Acme Media"),
    ("bob@example.com", "customer, Acme Media"),
    ("dave@example.com", "customer, Northwind Radio"),
    ("carol@example.com", "customer, no organisation"),
]


def embedded_environ(var: Path, port: int) -> dict[str, str]:
    """Settings of every service for the one-process mode (explicit values in the environment win)."""
    private, public = ensure_keys(var / "keys")
    secret_file, reply_file = var / "keys" / "secret-key", var / "keys" / "reply-token-secret"
    for path in (secret_file, reply_file):
        if not path.exists():
            path.write_text(os.urandom(32).hex())
            path.chmod(0o600)
    defaults = {
        "IDENTITY_DATABASE_URL": f"sqlite:///{var / 'identity.db'}",
        "TICKETS_DATABASE_URL": f"sqlite:///{var / 'tickets.db'}",
        "NOTIFIER_DATABASE_URL": f"sqlite:///{var / 'notifier.db'}",
        "INBOUND_DATABASE_URL": f"sqlite:///{var / 'inbound.db'}",
        "MAIL_IN_DIR": str(var / "mail-in"),
        "DEV_MAIL_IN": str(var / "mail-in"),
        "REPLY_TOKEN_SECRET": reply_file.read_text().strip(),
        "REPLY_ADDRESS": "support@support.example.com",
        "AMQP_URL": "memory://",
        "SMTP_URL": str(var / "mail"),
        "DEV_MAILBOX": str(var / "mail"),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "JWT_PRIVATE_KEY_FILE": str(private),
        "JWT_PUBLIC_KEY_FILE": str(public),
        "IDENTITY_URL": "http://identity.internal",
        "TICKETS_URL": "http://tickets.internal",
        "SECRET_KEY": secret_file.read_text().strip(),
        "LOG_JSON": "false",
    }
    return {**defaults, **{k: v for k, v in os.environ.items() if k in defaults}}


def main() -> None:
    port = int(os.environ.get("PORT", "8080"))
    var = Path(os.environ.get("VAR_DIR", ROOT / "var"))
    (var / "mail").mkdir(parents=True, exist_ok=True)
    (var / "mail-in").mkdir(parents=True, exist_ok=True)
    os.environ.update(embedded_environ(var, port))

    from common.log import configure_logging
    from common.migrate import upgrade
    import gateway.app, gateway.settings
    import identity, identity.app, identity.demo, identity.relay, identity.settings, identity.worker
    import inbound, inbound.folder, inbound.relay, inbound.settings, inbound.wiring
    import notifier, notifier.settings, notifier.worker
    import tickets, tickets.app, tickets.demo, tickets.relay, tickets.settings, tickets.worker

    configure_logging("servicedesk", os.environ.get("LOG_LEVEL", "INFO"), json_lines=False)
    settings = {
        "identity": identity.settings.Settings.from_env(),
        "tickets": tickets.settings.Settings.from_env(),
        "notifier": notifier.settings.Settings.from_env(),
        "inbound": inbound.settings.Settings.from_env(),
        "gateway": gateway.settings.Settings.from_env(),
    }
    for name, module in (("identity", identity), ("tickets", tickets), ("notifier", notifier), ("inbound", inbound)):
        upgrade(Path(module.__file__).parent / "migrations", os.environ[f"{name.upper()}_DATABASE_URL"])

    stop = threading.Event()
    workers = [identity.worker.build_worker(settings["identity"]), tickets.worker.build_worker(settings["tickets"]),
               notifier.worker.build_worker(settings["notifier"])]
    for worker in workers:
        threading.Thread(target=worker.run, name=worker.topology.consumer, daemon=True).start()
    time.sleep(0.5)  # the in-memory broker drops events for queues not yet declared
    for relay in (identity.relay.build_relay(settings["identity"]), tickets.relay.build_relay(settings["tickets"]),
                  inbound.relay.build_relay(settings["inbound"])):
        threading.Thread(target=relay.run_forever, args=(stop,), daemon=True).start()
    sweeper = tickets.relay.build_sweeper(settings["tickets"])  # expired temporary attachments
    threading.Thread(target=sweeper.run_forever, args=(stop,), daemon=True).start()
    # Inbound email: every *.eml dropped into var/mail-in (the /dev/mail page's "reply as the recipient").
    ingester = inbound.folder.FolderIngester(inbound.wiring.build_intake(settings["inbound"]),
                                             settings["inbound"].mail_in_dir, settings["inbound"].folder_poll_seconds)
    threading.Thread(target=ingester.run_forever, args=(stop,), name="mail-in", daemon=True).start()

    identity.demo.load(settings["identity"])
    tickets.demo.load(settings["tickets"])

    identity_app = identity.app.create_app(settings["identity"])
    tickets_app = tickets.app.create_app(settings["tickets"], identity_transport=httpx.WSGITransport(app=identity_app))
    gateway_app = gateway.app.create_app(settings["gateway"], transports={
        "identity": httpx.WSGITransport(app=identity_app),
        "tickets": httpx.WSGITransport(app=tickets_app),
    })
    server = make_server("127.0.0.1", port, gateway_app, threaded=True)
    print(f"\nService desk running at http://127.0.0.1:{port}  (emails: http://127.0.0.1:{port}/dev/mail)")
    print(f"Inbound email: drop .eml files into {var / 'mail-in'} (desk addresses am@, tv@, ra@support.example.com)")
    print("Demo logins, password demo-password-1:")
    for email, what in DEMO_LOGINS:
        print(f"  {email:<22} {what}")
    print("Press Ctrl+C to stop.\n", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for worker in workers:
            worker.should_stop = True
        logging.getLogger(__name__).info("stopped")


if __name__ == "__main__":
    main()
