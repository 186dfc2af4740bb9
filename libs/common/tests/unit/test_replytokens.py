"""Reply tags: bound to the request, the purpose and the account; found wherever MTAs put them."""
import pytest

from common.replytokens import NOTE, REPLY, find_tags, secret_bytes, sign, tagged_address, untagged, verify

SECRET = b"s" * 32


def test_a_tag_verifies_only_for_its_account_request_and_purpose():
    tag = sign(SECRET, REPLY, "AM-12", "alice-id")
    assert verify(SECRET, tag, "alice-id")
    assert not verify(SECRET, tag, "bob-id")
    assert not verify(b"t" * 32, tag, "alice-id")
    other_request = find_tags(str(tag).replace("am-12", "am-13"))[0]
    assert not verify(SECRET, other_request, "alice-id")
    as_note = find_tags("n" + str(tag)[1:])[0]
    assert as_note.purpose == NOTE and not verify(SECRET, as_note, "alice-id")


def test_tags_survive_plus_addressing_case_changes_and_message_ids():
    tag = sign(SECRET, REPLY, "AM-12", "alice-id")
    address = tagged_address("AM@support.example.com", tag)
    assert address.startswith("AM+r-am-12-") and address.endswith("@support.example.com")
    assert find_tags(address.upper()) == [tag]
    assert find_tags(f"<event.digest.{tag}@support.example.com>") == [tag]
    assert untagged(address) == "am@support.example.com"
    assert len(address.split("@")[0]) <= 64  # RFC 5321 local-part limit


@pytest.mark.parametrize("text", ["", "am@support.example.com", "am+r-am-12-short@x.example",
                                  "am+x-am-12-abcdefghijklmnopqrstuvwx@x.example"])
def test_no_tag_is_found_where_there_is_none(text):
    assert find_tags(text) == []


def test_short_secrets_are_refused():
    with pytest.raises(ValueError):
        secret_bytes("too short")
