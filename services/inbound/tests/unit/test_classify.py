"""The loop and bounce rules, row by row of their table."""
import pytest

from inbound.classify import CASES, classify


@pytest.mark.parametrize("name,headers,sender,envelope,expected", CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_email_is_recognised(name, headers, sender, envelope, expected):
    assert classify({k.lower(): v for k, v in headers.items()}, sender, envelope) == expected
