"""One email rule for every service (common.emails): a table of addresses and what they become."""
import pytest
from hypothesis import given, settings, strategies as st

from common.contracts import EmailAddress
from common.testing import count_cases, fuzz_budget, fuzz_derandomized
from common.emails import InvalidEmail, is_email, normalise_email

CASES = [
    # (typed, canonical or None when refused)
    ("alice@example.com", "alice@example.com"),
    ("  Alice@Example.COM ", "alice@example.com"),
    ("alice@bücher.de", "alice@xn--bcher-kva.de"),
    ("Alice@BÜCHER.de", "alice@xn--bcher-kva.de"),
    ("alice@xn--bcher-kva.de", "alice@xn--bcher-kva.de"),
    ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
    ("alice@example.com.", None),  # trailing dot: the notifier could not mail it
    ("alİce@example.com", None),  # non-ASCII local part: needs SMTPUTF8
    ("alice@localhost", None),
    ("alice@desk.test", None),  # special-use domain
    ("alice@@example.com", None),
    ("alice@example..com", None),
    ('"quoted"@example.com', None),
    ("alice@[127.0.0.1]", None),
    ("alice@example.com\r\nBcc: bob@example.com", None),
    ("\ud800@example.com", None),
    ("a" * 250 + "@example.com", None),
    ("", None),
]


@pytest.mark.parametrize(("typed", "canonical"), CASES)
def test_the_email_rule(typed, canonical):
    if canonical is None:
        with pytest.raises(InvalidEmail):
            normalise_email(typed)
        assert not is_email(typed)
    else:
        assert normalise_email(typed) == canonical


def test_events_load_addresses_by_the_same_rule():
    field = EmailAddress()
    assert field.deserialize("Alice@Bücher.de") == "alice@xn--bcher-kva.de"
    with pytest.raises(Exception):
        field.deserialize("alice@example.com.")


@settings(max_examples=fuzz_budget(200), derandomize=fuzz_derandomized(), database=None)
@given(st.emails())
def test_the_canonical_form_is_stable(address):
    count_cases("hypothesis: email rule")
    try:
        canonical = normalise_email(address)
    except InvalidEmail:
        return
    assert normalise_email(canonical) == canonical and canonical == canonical.lower()
