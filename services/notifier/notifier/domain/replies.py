"""The signed addresses a ticket email's recipient answers to (``common.replytokens``)."""
from __future__ import annotations

from dataclasses import dataclass

from common.replytokens import NOTE, REPLY, sign, tagged_address

from .model import AGENT, Recipient


@dataclass(frozen=True)
class Reply:
    address: str  # the Reply-To
    tag: str  # also carried by the Message-ID
    note_address: str | None = None  # agents: write here for an internal note


@dataclass(frozen=True)
class ReplyAddresses:
    secret: bytes
    fallback: str  # REPLY_ADDRESS, or MAIL_FROM's address, for desks without an address of their own

    def for_recipient(self, recipient: Recipient, key: str, desk_email: str | None) -> Reply | None:
        """The reply address of ``recipient`` on request ``key`` (None without an account id)."""
        if not recipient.account_id:
            return None
        base = desk_email or self.fallback
        tag = sign(self.secret, REPLY, key, recipient.account_id)
        note = None
        if recipient.side == AGENT:
            note = tagged_address(base, sign(self.secret, NOTE, key, recipient.account_id))
        return Reply(tagged_address(base, tag), str(tag), note)
