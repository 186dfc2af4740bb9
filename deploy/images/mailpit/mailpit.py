"""SMTP sink with a subset of mailpit's HTTP API (/api/v1/messages, /api/v1/message/ID/raw, /readyz)."""
import email
import email.policy
import json
import os
import sys
import threading
import urllib.request
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

MESSAGES: list[dict] = []
LOCK = threading.Lock()


def address(value: str, default_port: int) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host or "0.0.0.0", int(port or default_port)


class Sink:
    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        summary = {
            "ID": uuid.uuid4().hex,
            "Subject": str(parsed.get("Subject", "")),
            "From": {"Address": envelope.mail_from},
            "To": [{"Address": rcpt} for rcpt in envelope.rcpt_tos],
            "Created": datetime.now(timezone.utc).isoformat(),
            "Size": len(raw),
        }
        with LOCK:
            MESSAGES.insert(0, {"summary": summary, "raw": raw})
        return "250 Message accepted for delivery"


class Api(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, kind="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path in ("/livez", "/readyz"):
            return self.send(200, b"ok", "text/plain")
        with LOCK:
            if path == "/api/v1/messages":
                items = [m["summary"] for m in MESSAGES]
                return self.send(200, {"total": len(items), "count": len(items), "messages": items})
            if path.startswith("/api/v1/message/") and path.endswith("/raw"):
                wanted = path.split("/")[4]
                for m in MESSAGES:
                    if m["summary"]["ID"] == wanted:
                        return self.send(200, m["raw"], "message/rfc822")
        self.send(404, {"error": "not found"})

    def do_DELETE(self):
        if self.path.split("?", 1)[0] == "/api/v1/messages":
            with LOCK:
                MESSAGES.clear()
            return self.send(200, b"ok", "text/plain")
        self.send(404, {"error": "not found"})


def main() -> int:
    ui = address(os.environ.get("MP_UI_BIND_ADDR", "0.0.0.0:8025"), 8025)
    if sys.argv[1:] == ["readyz"]:
        host = "127.0.0.1" if ui[0] in ("0.0.0.0", "") else ui[0]
        try:
            urllib.request.urlopen(f"http://{host}:{ui[1]}/readyz", timeout=2)
        except OSError:
            return 1
        return 0
    smtp_host, smtp_port = address(os.environ.get("MP_SMTP_BIND_ADDR", "0.0.0.0:1025"), 1025)
    controller = Controller(Sink(), hostname=smtp_host, port=smtp_port)
    controller.start()
    ThreadingHTTPServer(ui, Api).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
