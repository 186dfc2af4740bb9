"""Which request an email belongs to and whether its sender may speak on it: ONE rule, here.

In order:

1. A reply tag (``common.replytokens``) in a recipient address, signed for the account whose
   address is the ``From``: a reply (``r``) or an agent's internal note (``n``) on that request.
2. The same tag inside one of our Message-IDs in ``In-Reply-To``/``References`` (mail clients that
   answer the ``From`` rather than the ``Reply-To``).
3. A tag that is there but signed for somebody else proves nothing: refused (a forwarded
   notification, or a forged ``From``).
4. The request key in the subject (``[AM-12]``) without a tag: the ``From`` alone is not trusted,
   so only with the MTA's DMARC pass; otherwise refused.
5. No request named: a new request when the email went to a desk's address; the sender becomes an
   external customer first when the desk allows it; refused otherwise.

Whether the account may then comment (the visibility rule) is the use case's own check.
``CASES`` is the table the tests run against.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from common.replytokens import NOTE, REPLY, ReplyTag, find_tags, verify

_SUBJECT_KEY = re.compile(r"\[([A-Z][A-Z0-9_]{0,9}-[1-9][0-9]{0,9})\]")
COMMENT, CREATE, INVITE, REFUSE = "comment", "create", "invite", "refuse"


@dataclass(frozen=True)
class Decision:
    action: str
    key: str | None = None
    purpose: str = REPLY
    reason: str | None = None
    via: str | None = None  # address, message-id, subject


@dataclass(frozen=True)
class Facts:
    """What the rule looks at, gathered from the email and the tickets database."""

    address_tags: tuple[ReplyTag, ...]
    message_id_tags: tuple[ReplyTag, ...]
    subject_key: str | None
    sender_account_id: str | None  # the account with the From address, if any (active)
    dmarc: str
    desk: bool = False  # addressed to a desk's address
    desk_signup: bool = False
    desk_requires_dmarc: bool = False


def subject_key(subject: str) -> str | None:
    """``Re: [AM-12] New reply…`` -> ``AM-12``."""
    match = _SUBJECT_KEY.search((subject or "").upper())
    return match.group(1) if match else None


def tags_in(values) -> tuple[ReplyTag, ...]:
    found: dict[str, ReplyTag] = {}
    for value in values:
        for tag in find_tags(value):
            found.setdefault(str(tag), tag)
    return tuple(found.values())


def decide(facts: Facts, secret: bytes | None) -> Decision:
    """What to do with one email (see the module docstring for the order)."""
    account = facts.sender_account_id
    for via, tags in (("address", facts.address_tags), ("message-id", facts.message_id_tags)):
        for tag in tags:
            if account and secret and verify(secret, tag, account):
                return Decision(COMMENT, tag.key, tag.purpose, via=via)
    if facts.address_tags:
        return Decision(REFUSE, facts.address_tags[0].key, reason="not_the_recipient")
    if facts.subject_key:
        if facts.dmarc == "pass" and account:
            return Decision(COMMENT, facts.subject_key, REPLY, via="subject")
        return Decision(REFUSE, facts.subject_key, reason="unverified_reply")
    if not facts.desk:
        return Decision(REFUSE, reason="no_desk")
    if facts.desk_requires_dmarc and facts.dmarc != "pass":
        return Decision(REFUSE, reason="dmarc_required")
    if account:
        return Decision(CREATE)
    if facts.desk_signup:
        return Decision(INVITE)
    return Decision(REFUSE, reason="unknown_sender")


def _tag(secret: bytes, purpose: str, key: str, account: str) -> ReplyTag:
    from common.replytokens import sign

    return sign(secret, purpose, key, account)


CASE_SECRET = b"k" * 32
CASES = (
    # (name, facts, expected action, expected key, expected purpose or reason)
    ("tag in the reply address, signed for the sender",
     Facts((_tag(CASE_SECRET, REPLY, "AM-1", "alice"),), (), None, "alice", "none"), COMMENT, "AM-1", REPLY),
    ("an agent's note address", Facts((_tag(CASE_SECRET, NOTE, "AM-1", "agent"),), (), None, "agent", "none"),
     COMMENT, "AM-1", NOTE),
    ("tag only in References", Facts((), (_tag(CASE_SECRET, REPLY, "AM-2", "bob"),), None, "bob", "none"),
     COMMENT, "AM-2", REPLY),
    ("tag signed for someone else (forwarded)", Facts((_tag(CASE_SECRET, REPLY, "AM-1", "alice"),), (), None,
                                                      "mallory", "none"), REFUSE, "AM-1", "not_the_recipient"),
    ("tag, but the From is nobody we know", Facts((_tag(CASE_SECRET, REPLY, "AM-1", "alice"),), (), None, None,
                                                  "pass"), REFUSE, "AM-1", "not_the_recipient"),
    ("forged From, key in the subject, no DMARC", Facts((), (), "AM-1", "alice", "none", desk=True), REFUSE, "AM-1",
     "unverified_reply"),
    ("key in the subject with the MTA's DMARC pass", Facts((), (), "AM-1", "alice", "pass"), COMMENT, "AM-1", REPLY),
    ("new email from a known customer to a desk", Facts((), (), None, "alice", "none", desk=True), CREATE, None, None),
    ("unknown sender, desk takes new customers", Facts((), (), None, None, "none", desk=True, desk_signup=True),
     INVITE, None, None),
    ("unknown sender, desk does not", Facts((), (), None, None, "none", desk=True), REFUSE, None, "unknown_sender"),
    ("desk requires DMARC, none given", Facts((), (), None, "alice", "none", desk=True, desk_requires_dmarc=True),
     REFUSE, None, "dmarc_required"),
    ("desk requires DMARC, pass", Facts((), (), None, "alice", "pass", desk=True, desk_requires_dmarc=True),
     CREATE, None, None),
    ("not addressed to any desk", Facts((), (), None, "alice", "pass"), REFUSE, None, "no_desk"),
)
