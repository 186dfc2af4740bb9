from email import policy
from email.message import EmailMessage

import re

import pytest

from notifier.domain.headers import UnsafeHeader, address, clean_text
from notifier.domain.model import CUSTOMER, Recipient
from notifier.mail.compose import compose, message_id, thread_id, verify_headers
from notifier.mail.render import Rendered
from notifier.settings import parse_mail_from

SENDER = parse_mail_from("Service Desk <support@desk.example>")


def rendered(subject: str, language: str = "en") -> Rendered:
    return Rendered(subject=subject, text="body\n", html="<p>body</p>", language=language)


def header_block(msg) -> bytes:
    return msg.as_bytes(policy=policy.SMTP).split(b"\r\n\r\n", 1)[0]


def injected(head: bytes) -> bool:
    """True when a Bcc header starts a line (a bare CR or LF counts: many servers split on it)."""
    return re.search(rb"(^|[\r\n])Bcc:", head, re.IGNORECASE) is not None


@pytest.mark.parametrize("payload", [
    "Printer down\r\nBcc: victim@example.com",
    "Printer down\nBcc: victim@example.com",
    "Printer down\rBcc: victim@example.com",
    "Printer down\u2028Bcc: victim@example.com",
    "Printer down\x85Bcc: victim@example.com",
])
def test_line_breaks_in_a_summary_never_start_a_header(payload):
    msg = compose(rendered(f"[AM-1] {payload}"), SENDER, Recipient("a@example.com", "en", CUSTOMER), "<x@d>")
    assert not injected(header_block(msg))
    assert msg["Subject"] == "[AM-1] Printer down Bcc: victim@example.com"


def test_encoded_word_newline_in_a_summary_is_defused():
    payload = "=?UTF-8?Q?=0A?=Bcc: victim@example.com"
    msg = compose(rendered(f"[AM-1] {payload}"), SENDER, Recipient("a@example.com", "en", CUSTOMER), "<x@d>")
    assert not injected(header_block(msg))
    assert "=?" not in msg["Subject"]


def test_verify_headers_catches_an_encoded_word_injection_built_around_the_cleaner():
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = SENDER
    msg["To"] = "a@example.com"
    msg["Subject"] = "=?UTF-8?Q?=0A?=Bcc: victim@example.com"
    msg.set_content("x")
    if injected(header_block(msg)):  # Python releases without the CVE-2024-6923 fix
        with pytest.raises(UnsafeHeader):
            verify_headers(msg)
    else:
        verify_headers(msg)


def test_clean_text_caps_length_and_collapses_whitespace():
    text = clean_text("a  \t b" + "x" * 500, max_length=50)
    assert text.startswith("a b")
    assert len(text) == 50 and text.endswith("…")


def test_clean_text_keeps_ordinary_unicode():
    assert clean_text("Écran noir — ça plante ✓") == "Écran noir — ça plante ✓"


@pytest.mark.parametrize("bad", [
    "alice@example.com\r\nBcc: x@example.com",
    "alice@example.com\nBcc: x@example.com",
    "=?utf-8?q?alice=0A?=@example.com",
    "alice@example.com, bob@example.com",
    "Alice <alice@example.com>",
    "no-at-sign",
    "",
])
def test_suspicious_addresses_are_refused(bad):
    with pytest.raises(UnsafeHeader):
        address(bad)


def test_display_names_are_cleaned_not_refused():
    addr = address("alice@example.com", "Alice\r\nBcc: x@example.com")
    assert "\n" not in str(addr) and addr.addr_spec == "alice@example.com"


def test_compose_sets_threading_and_unsubscribe_headers():
    msg = compose(rendered("[AM-1] Hello", "fr"), SENDER, Recipient("a@example.com", "fr", CUSTOMER, "Zoé"),
                  message_id("evt-1", "a@example.com", "desk.example"), thread_id("AM-1", "desk.example"),
                  "http://x/portal/requests/AM-1/mute")
    assert msg["Message-ID"].startswith("<evt-1.") and msg["Message-ID"].endswith("@desk.example>")
    assert msg["In-Reply-To"] == msg["References"] == "<request.AM-1@desk.example>"
    assert msg["List-Unsubscribe"] == "<http://x/portal/requests/AM-1/mute>"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Content-Language"] == "fr"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]


def test_message_id_is_stable_per_event_and_recipient():
    a = message_id("e1", "a@example.com", "d")
    assert a == message_id("e1", "A@example.com", "d")
    assert a != message_id("e1", "b@example.com", "d")
    weird = message_id("e1>\r\nBcc: x", "a@example.com", "d")
    assert "\n" not in weird and ">" not in weird[:-1]


def test_thread_id_refuses_a_malformed_ticket_key():
    with pytest.raises(ValueError):
        thread_id("AM-1>\r\nBcc: x", "d")


def test_bodies_stay_readable_unless_a_line_is_too_long_for_smtp():
    link = "http://127.0.0.1:8080/portal/invitation?token=" + "x" * 60
    msg = compose(Rendered(subject="s", text=f"Ouvrez : {link}\n", html=f"<a href='{link}'>é</a>", language="fr"),
                  SENDER, Recipient("a@example.com", "fr", CUSTOMER), "<x@d>")
    assert link.encode() in msg.as_bytes(policy=policy.SMTP)
    long = compose(Rendered(subject="s", text="y" * 2000, html="<p>z</p>", language="en"),
                   SENDER, Recipient("a@example.com", "en", CUSTOMER), "<x@d>")
    assert all(len(line) <= 998 for line in long.as_bytes(policy=policy.SMTP).split(b"\r\n"))
