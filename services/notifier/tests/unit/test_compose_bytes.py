"""``compose_bytes`` (the notifier's path) writes the very bytes ``compose`` (the ``email`` package) does."""
import re

import pytest
from email import message_from_bytes, policy

from notifier.domain.headers import UnsafeHeader
from notifier.domain.model import AGENT, CUSTOMER, Recipient
from notifier.mail.compose import compose, compose_bytes
from notifier.mail.render import Rendered, render
from notifier.settings import parse_mail_from

SENDERS = [parse_mail_from("Service Desk <support@desk.example>"), parse_mail_from("Dépannage <aide@desk.example>")]
BOUNDARY = re.compile(rb"===============\d+==(\.\d+)?")
DATE = re.compile(rb"\r\nDate: [^\r]+\r\n")


def normalise(raw: bytes) -> bytes:
    return BOUNDARY.sub(b"BOUNDARY", DATE.sub(b"\r\nDate: -\r\n", raw))


BODIES = [
    ("body\n", "<p>body</p>"),
    ("Zoé a répondu : « ça marche »\n\nLien : https://x.example/p?a=1&b=2\n", "<p>Zoé</p>\n<p>ça</p>\n"),
    ("y" * 2000 + "\nshort\n", "<p>" + "z" * 1500 + "</p>"),
    ("é" * 600 + "\n", "<p>ok</p>"),
    ("lines\r\nwith\rodd\nbreaks\n\n\n", "<p>a</p>\r\n<p>b</p>"),
    ("From the desk\n.\n--\n-- \n", ""),
    ("no final newline", "<p>no final newline</p>"),
    ("=3D and = signs at the end =\n", "<a href='x?token=abc=='>x</a>\n"),
]


@pytest.mark.parametrize("text,html", BODIES)
@pytest.mark.parametrize("sender", SENDERS)
@pytest.mark.parametrize("extras", [
    {},
    {"thread": "<request.AM-1@desk.example>", "unsubscribe_url": "https://x.example/m/AM-1",
     "reply_to": "r+tag@desk.example"},
])
def test_compose_bytes_equals_the_email_package(text, html, sender, extras):
    done = Rendered(subject="[AM-1] Résumé d'une demande un peu longue " * 3, text=text, html=html, language="fr")
    recipient = Recipient("zoe@example.com", "fr", CUSTOMER, "Zoé Lefèvre")
    expected = compose(done, sender, recipient, "<e.1@desk.example>", **extras).as_bytes(policy=policy.SMTP)
    got = compose_bytes(done, sender, recipient, "<e.1@desk.example>", **extras)
    assert normalise(got) == normalise(expected)
    parsed = message_from_bytes(got, policy=policy.default)
    assert [p.get_content() for p in parsed.iter_parts()] == [
        p.get_content() for p in message_from_bytes(expected, policy=policy.default).iter_parts()]


def test_compose_bytes_equals_the_email_package_for_a_real_email():
    context = {"key": "AM-12", "summary": "Imprimante en panne", "desk_name": "IT", "status": "In progress",
               "side": AGENT, "actor_name": "Ann", "url": "https://d.example/agent/AM-12", "mute_url": None,
               "from_status": "Waiting for support", "to_status": "In progress", "reply_address": None,
               "other_address": None, "reply_is_note": False}
    for language in ("en", "fr", "de"):
        done = render("ticket_status_changed", language, **context)
        recipient = Recipient("ann@example.com", language, AGENT, "Ann")
        expected = compose(done, SENDERS[0], recipient, "<e.2@desk.example>").as_bytes(policy=policy.SMTP)
        assert normalise(compose_bytes(done, SENDERS[0], recipient, "<e.2@desk.example>")) == normalise(expected)


def test_compose_bytes_checks_the_headers_it_writes():
    done = Rendered(subject="[AM-1] Printer down\r\nBcc: victim@example.com", text="b\n", html="<p>b</p>",
                    language="en")
    raw = compose_bytes(done, SENDERS[0], Recipient("a@example.com", "en", CUSTOMER), "<x@d>")
    assert b"\r\nBcc:" not in raw.split(b"\r\n\r\n", 1)[0]
    with pytest.raises(UnsafeHeader):
        compose_bytes(done, SENDERS[0], Recipient("a@example.com\r\nBcc: v@example.com", "en", CUSTOMER), "<x@d>")


def test_the_boundary_never_occurs_in_a_body(monkeypatch):
    import notifier.mail.compose as module

    monkeypatch.setattr(module.random, "randrange", lambda _n: 7)
    taken = "--" + "=" * 15 + f"{7:019d}" + "=="
    done = Rendered(subject="s", text=f"quoted:\n{taken}\n", html="<p>x</p>", language="en")
    raw = compose_bytes(done, SENDERS[0], Recipient("a@example.com", "en", CUSTOMER), "<x@d>")
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed.get_boundary().endswith("==.1")
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert taken in next(parsed.iter_parts()).get_content()
