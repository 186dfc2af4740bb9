"""The signed addresses a ticket email's recipient answers to (``common.replytokens``)."""
from __future__ import annotations

from dataclasses import dataclass

from common.replytokens import NOTE, REPLY, sign, tagged_address

from .model import AGENT, Recipient


@dataclass(frozen=True)
class Reply:
    address: str  # the Reply-To
    tag: str  # also carried by the Message-ID
    other_address: str | None = None  # agents: the other purpose's address (note, or public reply)
    is_note: bool = False  # the Reply-To adds an internal note


@dataclass(frozen=True)
class ReplyAddresses:
    secret: bytes
    fallback: str  # REPLY_ADDRESS, or MAIL_FROM's address, for desks without an address of their own

    def for_recipient(self, recipient: Recipient, key: str, desk_email: str | None,
                      internal: bool = False) -> Reply | None:
        """The reply address of ``recipient`` on request ``key`` (None without an account id).

        Agents answering an internal note reply with a note (the Reply-To is the note address), so
        a colleague's "reply" never reaches the customer by mistake; the other address is named.
        """
        if not recipient.account_id:
            return None
        base = desk_email or self.fallback
        reply = sign(self.secret, REPLY, key, recipient.account_id)
        if recipient.side != AGENT:
            return Reply(tagged_address(base, reply), str(reply))
        note = sign(self.secret, NOTE, key, recipient.account_id)
        first, second = (note, reply) if internal else (reply, note)
        return Reply(tagged_address(base, first), str(first), tagged_address(base, second), is_note=internal)
