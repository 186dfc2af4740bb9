"""CPU per email of render() and compose_bytes() for a "request received" email, and of smtplib's sendmail
of it to the bench's SMTP sink (the client's CPU only), each over --n calls after 50 to warm.

``PYTHONPATH=<notifier package dir> .venv/bin/python bench/profiles/nt5/render_micro.py [--smtp-port 9259]``
"""
from __future__ import annotations

import argparse
import smtplib
import sys
import tempfile
import time
import uuid
from email.headerregistry import Address
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "services" / "notifier"))

from bench.sink import Sink  # noqa: E402
from notifier.domain.model import CUSTOMER, Recipient  # noqa: E402
from notifier.mail.compose import compose_bytes, message_id, thread_id  # noqa: E402
from notifier.mail.render import render  # noqa: E402

CONTEXT = {"key": "AM-12", "summary": "Fingerprints missing 12", "desk_name": "Audio Matching",
           "status": "Waiting for support", "side": CUSTOMER, "url": "https://desk.example.com/portal/AM-12",
           "mute_url": "https://desk.example.com/mute/AM-12", "reply_address": None, "other_address": None,
           "reply_is_note": False}


def per_call(label: str, call, n: int) -> None:
    for _ in range(50):
        call()
    started = time.process_time()
    for _ in range(n):
        call()
    print(f"{label}: {1e6 * (time.process_time() - started) / n:.1f} µs CPU per call")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--smtp-port", type=int, default=0, help="also time smtplib against a sink on this port")
    args = ap.parse_args()
    recipient = Recipient(email="r@example.com", language="en", side=CUSTOMER, display_name="R", account_id="1")
    sender = Address("Service Desk", "support", "desk.example.com")
    per_call("render mail_request_received", lambda: render("mail_request_received", "en", **CONTEXT), args.n)
    rendered = render("mail_request_received", "en", **CONTEXT)
    msg_id = message_id(str(uuid.uuid4()), "r@example.com", "desk.example.com", None)
    thread = thread_id("AM-12", "desk.example.com")
    per_call("compose_bytes", lambda: compose_bytes(rendered, sender, recipient, msg_id, thread, CONTEXT["mute_url"]),
             args.n)
    if args.smtp_port:
        raw = compose_bytes(rendered, sender, recipient, msg_id, thread, CONTEXT["mute_url"])
        with tempfile.TemporaryDirectory() as work:
            sink = Sink().start(args.smtp_port, Path(work))
            try:
                client = smtplib.SMTP("127.0.0.1", args.smtp_port)
                client.ehlo()
                per_call(f"smtplib sendmail of {len(raw)} bytes",
                         lambda: client.sendmail("support@desk.example.com", ["r@example.com"], raw), args.n)
                client.quit()
            finally:
                sink.stop()


if __name__ == "__main__":
    main()
