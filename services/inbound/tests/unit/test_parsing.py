"""Raw bytes to what the service desk needs: addresses, threading, text without the quoted history."""
import pytest

from inbound.authresults import dmarc_verdict
from inbound.parsing import Unparseable, content_hash, parse

REPLY = (b"From: Alice Example <Alice@Example.com>\r\n"
         b"To: am+r-am-1-abcdefghijklmnopqrstuvwx@support.example.com\r\n"
         b"Cc: Bob <bob@example.com>\r\n"
         b"Subject: Re: [AM-1] Matches missing\r\n"
         b"Message-ID: <reply-1@example.com>\r\n"
         b"In-Reply-To: <ev1.abc@support.example.com>\r\n"
         b"References: <request.AM-1@support.example.com> <ev1.abc@support.example.com>\r\n"
         b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
         b"Radio 1 and Radio 2.\r\n\r\nOn Mon, 1 Dec 2026 at 10:00, Desk <am@support.example.com> wrote:\r\n"
         b"> Which stations are affected?\r\n")


def test_a_reply_is_read_with_its_addresses_threading_and_new_text():
    parsed = parse(REPLY, recipients=("AM@support.example.com",))
    assert parsed.from_address == "alice@example.com" and parsed.from_name == "Alice Example"
    assert parsed.to == ("am+r-am-1-abcdefghijklmnopqrstuvwx@support.example.com",)
    assert parsed.cc == ("bob@example.com",)
    assert parsed.recipients == ("am@support.example.com",)
    assert parsed.message_id == "reply-1@example.com"
    assert parsed.in_reply_to == ("ev1.abc@support.example.com",)
    assert parsed.references == ("request.AM-1@support.example.com", "ev1.abc@support.example.com")
    assert parsed.text == "Radio 1 and Radio 2."
    assert "Which stations are affected?" in parsed.full_text
    assert parsed.kind == "personal" and parsed.dmarc == "none"


def test_quoted_history_and_signatures_are_stripped_in_french_too():
    body = ("Merci, c'est réglé.\n\nLe lun. 1 déc. 2026 à 10:00, Desk <am@support.example.com> a écrit :\n"
            "> Bonjour\n").encode()
    raw = b"From: a@example.com\r\nSubject: Re\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
    assert parse(raw).text == "Merci, c'est réglé."


def test_html_only_mail_becomes_markdown_text_without_scripts():
    raw = (b"From: a@example.com\r\nSubject: hi\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<p>Hello <b>team</b> <a href='https://example.com/x'>link</a></p><script>alert(1)</script>"
           b"<img src=x onerror=alert(2)>")
    text = parse(raw).text
    assert "Hello **team** [link](https://example.com/x)" in text
    assert "<script" not in text and "onerror" not in text and "<img" not in text


def test_nul_and_control_characters_never_reach_the_text():
    raw = b"From: a@example.com\r\nSubject: a\x01b\r\n\r\nline\x00one\x07\r\n"
    parsed = parse(raw)
    assert parsed.text == "lineone" and "\x01" not in parsed.subject


def test_long_text_is_cut_and_says_so():
    raw = b"From: a@example.com\r\nSubject: long\r\n\r\n" + b"word " * 5000
    parsed = parse(raw, max_text_chars=500)
    assert len(parsed.text) <= 500 and parsed.text.endswith("(truncated: the email was longer)")


def test_attachments_are_listed_and_left_in_the_raw_message():
    raw = (b"From: a@example.com\r\nSubject: file\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee file\r\n"
           b"--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XX--\r\n")
    parsed = parse(raw)
    assert parsed.text == "see file"
    assert [(a.filename, a.content_type, a.size) for a in parsed.attachments] == [("r.pdf", "application/pdf", 9)]


@pytest.mark.parametrize("raw", [b"no headers at all\r\n", b"To: a@example.com\r\nSubject: no sender\r\n\r\nx\r\n",
                                 b"From: not an address\r\n\r\nx\r\n"])
def test_a_message_without_a_usable_sender_cannot_be_parsed(raw):
    with pytest.raises(Unparseable):
        parse(raw)


def test_the_same_mail_through_two_transports_has_one_digest():
    via_imap = b"Received: from mx1 by imap\r\nDelivered-To: am@support.example.com\r\n" + REPLY
    via_lmtp = b"Received: from mx2 by lmtp\r\nAuthentication-Results: mx; dmarc=pass\r\n" + REPLY
    assert content_hash(via_imap) == content_hash(via_lmtp) != content_hash(REPLY.replace(b"Radio 1", b"Radio 3"))


def test_dmarc_is_believed_only_from_our_own_mta():
    forged = "evil.example; dmarc=pass header.from=example.com"
    ours = "mx.support.example.com; spf=pass smtp.mailfrom=example.com; dmarc=fail header.from=example.com"
    assert dmarc_verdict([forged], ["mx.support.example.com"]) == "none"
    assert dmarc_verdict([ours, forged], ["mx.support.example.com"]) == "fail"
    assert dmarc_verdict(["mx.support.example.com; dmarc=pass header.from=example.com"],
                         ["MX.support.example.com"]) == "pass"
    assert dmarc_verdict([ours], []) == "none"
    assert dmarc_verdict(["garbage;;;"], ["mx.support.example.com"]) == "none"


def test_a_long_subject_is_handed_on_whole():
    subject = " ".join(f"word{n}" for n in range(80))
    parsed = parse(f"From: a@example.com\r\nSubject: {subject}\r\n\r\nHello".encode())
    assert " ".join(parsed.subject.split()) == subject  # the request type's summary field decides its length
