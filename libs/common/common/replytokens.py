"""Signed reply addresses: which request an emailed reply belongs to, and whose it may be.

Every notification about a request carries, in its Reply-To, the desk's address with a tag
(``am+r-am-12-<mac>@support.example.com``). The tag names the purpose (``r`` a reply, ``n`` an
agent's internal note) and the request; the MAC binds both to the account the email was sent to.
The account itself is not in the tag: the receiver finds it by the reply's ``From`` address and
checks the MAC against it, so a tag forwarded to someone else, or a forged ``From`` without the
tag, proves nothing. The notifier signs, the tickets service verifies; both hold the same secret.
Our Message-IDs carry the same tag, so ``In-Reply-To``/``References`` can be checked the same way.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

REPLY, NOTE = "r", "n"
PURPOSES = (REPLY, NOTE)
_MAC_BYTES = 15  # 120 bits: far beyond online guessing, and 24 base32 characters
_KEY = r"[a-z][a-z0-9_]{0,9}-[1-9][0-9]{0,9}"
_TAG = re.compile(rf"(?<![a-z0-9])([rn])-({_KEY})-([a-z2-7]{{24}})(?![a-z0-9])")


@dataclass(frozen=True)
class ReplyTag:
    purpose: str
    key: str  # the ticket key, upper case (``AM-12``)
    mac: str

    def __str__(self) -> str:
        return f"{self.purpose}-{self.key.lower()}-{self.mac}"


def _mac(secret: bytes, purpose: str, key: str, account_id: str) -> str:
    message = f"reply-tag:v1:{purpose}:{key.upper()}:{account_id}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.b32encode(digest).decode().lower()


def sign(secret: bytes, purpose: str, key: str, account_id: str) -> ReplyTag:
    """The tag that lets ``account_id`` reply (or add a note) to request ``key`` by email."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    return ReplyTag(purpose, key.upper(), _mac(secret, purpose, key, account_id))


def verify(secret: bytes, tag: ReplyTag, account_id: str) -> bool:
    """True when ``tag`` was signed for ``account_id`` (constant-time comparison)."""
    return hmac.compare_digest(tag.mac, _mac(secret, tag.purpose, tag.key, account_id))


def find_tags(text: str) -> list[ReplyTag]:
    """Every well-formed tag in an address or header value (case-insensitive), in order."""
    return [ReplyTag(p, k.upper(), m) for p, k, m in _TAG.findall((text or "").lower())]


def tagged_address(address: str, tag: ReplyTag) -> str:
    """``desk@example.com`` -> ``desk+<tag>@example.com`` (plus-addressing, as MTAs deliver it)."""
    local, at, domain = address.rpartition("@")
    if not at or not local:
        raise ValueError(f"not an email address: {address!r}")
    return f"{local.split('+', 1)[0]}+{tag}@{domain}"


def untagged(address: str) -> str:
    """``desk+anything@Example.com`` -> ``desk@example.com``: the address a desk is configured with."""
    local, at, domain = (address or "").strip().rpartition("@")
    if not at:
        return address.strip().lower()
    return f"{local.split('+', 1)[0]}@{domain}".lower()


def secret_bytes(value: str) -> bytes:
    """The secret setting as bytes; refuses values too short to sign anything."""
    if len(value) < 32:
        raise ValueError("the reply-token secret must be at least 32 characters (e.g. 64 hex digits)")
    return value.encode()
