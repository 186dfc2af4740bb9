"""Which request an email belongs to and whether its sender may speak on it, row by row."""
import pytest

from common.replytokens import sign
from tickets.mail.rules import CASE_SECRET, CASES, decide, subject_key, tags_in


@pytest.mark.parametrize("name,facts,action,key,detail", CASES, ids=[c[0] for c in CASES])
def test_each_case_of_the_table(name, facts, action, key, detail):
    decision = decide(facts, CASE_SECRET)
    assert decision.action == action
    assert decision.key == key
    if action == "comment":
        assert decision.purpose == detail
    elif action == "refuse":
        assert decision.reason == detail


def test_without_a_secret_no_tag_is_trusted():
    facts = CASES[0][1]
    assert decide(facts, None).action == "refuse"


def test_subject_keys_are_read_in_brackets_only():
    assert subject_key("Re: [am-12] New reply") == "AM-12"
    assert subject_key("About AM-12") is None


def test_tags_are_collected_once_from_every_address():
    tag = sign(CASE_SECRET, "r", "AM-1", "alice")
    found = tags_in([f"am+{tag}@x.example", f"AM+{str(tag).upper()}@X.EXAMPLE", "other@x.example"])
    assert found == (tag,)
