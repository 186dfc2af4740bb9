"""The desk key rule (``common.rules``) against its table; tickets and the gateway's admin form run the same table."""
import pytest

from common import rules


@pytest.mark.parametrize(("raw", "key"), rules.DESK_KEY_TABLE, ids=[repr(r[0]) for r in rules.DESK_KEY_TABLE])
def test_the_desk_key_rule_follows_its_table(raw, key):
    assert rules.desk_key(raw) == key


def test_the_table_covers_both_ends_of_the_length():
    accepted = [key for _raw, key in rules.DESK_KEY_TABLE if key]
    refused = [raw for raw, key in rules.DESK_KEY_TABLE if key is None and isinstance(raw, str)]
    assert min(map(len, accepted)) == rules.DESK_KEY_MIN and max(map(len, accepted)) == rules.DESK_KEY_MAX
    assert rules.DESK_KEY_MIN - 1 in map(len, refused) and rules.DESK_KEY_MAX + 1 in map(len, refused)
