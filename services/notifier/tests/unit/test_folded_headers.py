"""``compose._folded`` writes the very header lines ``policy.SMTP`` does, for every kind of value."""
import random
import string

import pytest
from email import policy
from email.headerregistry import Address

from notifier.mail import compose
from notifier.mail.compose import _folded, _header

VALUES = [
    "[AM-12] Printer down", "[AM-12] Résumé", "x" * 64, "x" * 66, "x" * 67, "a  b", " lead", "trail ",
    "tab\there", "=?utf-8?q?x?=", "a =?b", "", "!", "é", "[AM-1] " + "word " * 20, "(comment) <x@y>",
    "\"quoted\" text", "a\\b", "~" * 60,
]
IDS = ["<e.1@desk.example>", "<a-b_c.d.e@x-y.example>", "<..@x>", "<a@b>", "<" + "a" * 70 + "@b.example>",
       "<a b@c>", "<a@b", "a@b", "<a@[1.2.3.4]>", "<ev.0123456789ab.t4g@desk.example>",
       # Ids longer than a line, as a tagged ticket email's: around each length where the folding changes.
       *("<" + "a" * n + ".b8e30d1addc6.r-am-12-u5aj72kqqcgyldwabef7o6qb@desk.example.com>" for n in (1, 2, 3, 32)),
       *("<" + "b.c-d_" * (n // 6) + "e" * (n % 6) + "@x.example>" for n in range(50, 80)),
       "<" + "f" * 400 + "@x.example>", "<" + "g.h" * 320 + "@x.example>"]


def slow(name, value):
    """What the email package writes for ``msg[name] = value``, or the error it raises."""
    try:
        stored = value if hasattr(value, "name") else _header(name, value)
        return policy.SMTP.fold_binary(name, stored)
    except Exception as exc:  # noqa: BLE001 - the email package raises IndexError on some ids
        return type(exc)


def fast(name, value):
    try:
        return _folded(name, value)
    except Exception as exc:  # noqa: BLE001 - the email package raises IndexError on some ids
        return type(exc)


@pytest.mark.parametrize("name", ["Subject", "List-Unsubscribe", "In-Reply-To", "References", "Content-Language",
                                  "X-Auto-Response-Suppress", "Message-ID", "Date"])
@pytest.mark.parametrize("value", VALUES + IDS)
def test_each_value_folds_as_the_email_package_does(name, value):
    if name == "Date":
        value = "Tue, 01 Dec 2026 19:26:40 GMT"
    compose._FOLDED.clear()
    assert fast(name, value) == slow(name, value)
    assert fast(name, value) == slow(name, value)  # and again, from the cache


def test_random_values_fold_as_the_email_package_does():
    rng = random.Random(8)
    alphabet = string.printable + "éü€ \t"
    for _ in range(3000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 90)))
        if len(value.splitlines()) > 1:
            continue
        for name in ("Subject", "Message-ID", "References"):
            assert fast(name, value) == slow(name, value), (name, value)
        ident = "<" + "".join(rng.choice(string.ascii_letters + "._-") for _ in range(rng.randrange(1, 70))) + "@d.x>"
        assert fast("Message-ID", ident) == slow("Message-ID", ident), ident


def test_every_boundary_folds_as_the_email_package_does():
    rng = random.Random(9)
    for token in [0, 7, 10 ** 18, 9223372036854775806] + [rng.randrange(2 ** 63 - 1) for _ in range(200)]:
        for suffix in ("", ".1", ".12"):
            value = f'multipart/alternative; boundary="{"=" * 15}{token:019d}=={suffix}"'
            assert fast("Content-Type", value) == slow("Content-Type", value), value


@pytest.mark.parametrize("address", [Address("Zoé Lefèvre", "zoe", "example.com"), Address("", "a", "b.example"),
                                     Address("A, B (c)", "a.b", "example.com"), Address("x" * 90, "y", "z.example")])
def test_addresses_fold_as_the_email_package_does(address):
    compose._FOLDED.clear()
    for _ in range(2):
        assert fast("To", address) == slow("To", address)


def test_a_value_of_several_lines_is_refused_as_by_the_email_package():
    for value in ("a\nb", "a\rb", "a\x0bb", "a\u2028b"):
        with pytest.raises(ValueError):
            _folded("Subject", value)
