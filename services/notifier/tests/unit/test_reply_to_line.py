"""The Reply-To line of a tagged reply address, folded once per tag length with a stand-in tag, is the
line the email package writes for the real address, whatever the tag, the desk's name or its address."""
from __future__ import annotations

import random
import string

import pytest
from email import policy

from common.replytokens import sign, tagged_address
from notifier.domain.headers import address
from notifier.mail.compose import _reply_to_line

NAMES = [None, "", "Service Desk", "IT Support (Acme Media)", "Équipe d'assistance", "Ünïcödé Désk " * 6,
         "A" * 70, "Support, Inc.", '"Quoted" Desk']
DESKS = ["support@support.example.com", "it@x.io", "a-very-long-desk-address-of-a-large-company@help.example.org"]


def expected(reply_to: str, display_name: str | None) -> bytes:
    return policy.SMTP.fold_binary("Reply-To", policy.SMTP.header_factory("Reply-To", address(reply_to, display_name)))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("desk", DESKS)
def test_signed_reply_addresses_fold_as_the_email_package_folds_them(name, desk):
    rng = random.Random(f"{name}{desk}")
    for n in range(40):
        key = f"{rng.choice(['AM', 'IT', 'LONGDESK'])}-{rng.randint(1, 10 ** rng.randint(1, 9))}"
        tag = sign(b"k" * 32, rng.choice(["r", "n"]), key, f"account-{n}")
        reply_to = tagged_address(desk, tag)
        assert _reply_to_line(reply_to, name) == expected(reply_to, name), reply_to


def test_tags_of_any_atext_of_their_kind_and_untagged_addresses_fold_alike():
    rng = random.Random(7)
    for _ in range(300):
        tag = "".join(rng.choice(string.ascii_lowercase + string.digits + "-_") for _ in range(rng.randint(1, 60)))
        reply_to = f"desk+{tag}@support.example.com"
        name = rng.choice(NAMES)
        assert _reply_to_line(reply_to, name) == expected(reply_to, name), reply_to
    for plain in ("desk@support.example.com", "desk+@support.example.com", "desk+Upper@support.example.com"):
        assert _reply_to_line(plain, "Desk") == expected(plain, "Desk")
