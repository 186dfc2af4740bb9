"""``spool.envelope_sender`` finds the sender smtplib's ``send_message`` would, reading only From and Sender."""
import pytest
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from notifier.domain.model import CUSTOMER, Recipient
from notifier.mail.compose import compose_bytes
from notifier.mail.render import Rendered
from notifier.settings import parse_mail_from
from notifier.spool import envelope_sender


def parsed(message: bytes) -> str:
    headers = BytesHeaderParser().parsebytes(message, headersonly=True)
    found = getaddresses([str(headers["Sender"] or headers["From"] or "")])
    return found[0][1] if found else ""


@pytest.mark.parametrize("sender", ["Service Desk <support@desk.example>", "Dépannage <aide@desk.example>",
                                    "A very long display name of a service desk " * 3 + "<s@desk.example>",
                                    "support@desk.example"])
def test_a_composed_email_has_its_from_as_envelope_sender(sender):
    done = Rendered(subject="[AM-1] s", text="b\n", html="<p>b</p>", language="en")
    raw = compose_bytes(done, parse_mail_from(sender), Recipient("a@example.com", "en", CUSTOMER, "From: x"),
                        "<x@desk.example>")
    assert envelope_sender(raw) == parsed(raw) == parse_mail_from(sender).addr_spec


@pytest.mark.parametrize("raw", [
    b"To: a@x\r\nSender: Bulk <bulk@desk.example>\r\nFrom: s@desk.example\r\n\r\nbody",
    b"From: \"Folded\r\n Name\" <f@desk.example>\r\nSubject: from: nobody@x\r\n\r\nFrom: body@x\r\n",
    b"Subject: s\r\n X-From: y@x\r\nFROM: up@desk.example\r\n\r\n",
    b"Subject: no sender\r\n\r\nFrom: body@x\r\n",
    b"From: first@desk.example\r\nFrom: second@desk.example\r\n\r\n",
])
def test_any_header_block_gives_the_sender_a_full_parse_gives(raw):
    assert envelope_sender(raw) == parsed(raw)
