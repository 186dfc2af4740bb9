"""The bench's SMTP sink takes each message whole (dot-unstuffed) and notes its recipients, event id and subject."""
import smtplib
import socket
import time

from bench.sink import Sink


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_sink_notes_every_message_of_one_session(tmp_path):
    sink = Sink().start(free_port(), tmp_path)
    try:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as smtp:
            for n in range(3):
                body = (f"Subject: [AM-{n}] Zoé\r\nMessage-ID: <ev{n}.abc@desk.example>\r\n\r\n"
                        f"line\r\n.leading dot\r\n..two dots\r\n{'x' * 5000}\r\n").encode()
                smtp.sendmail("desk@desk.example", [f"r{n}@example.com", "cc@example.com"], body)
        deadline = time.monotonic() + 10
        while sink.count() < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        got = sink.since(0)
        assert [(to, subject, event_id) for _at, to, subject, event_id in got] == [
            (f"r{n}@example.com,cc@example.com", f"[AM-{n}] Zoé", f"ev{n}") for n in range(3)]
    finally:
        sink.stop()
