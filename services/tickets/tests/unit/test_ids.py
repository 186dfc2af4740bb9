from tickets.domain.ids import MAX_ID, as_id


def test_only_ascii_digits_in_the_integer_range_are_ids():
    assert as_id("42") == 42 and as_id(7) == 7 and as_id(" 3 ") == 3 and as_id(str(MAX_ID)) == MAX_ID
    for ref in ("AM", "AM-1", "", "-1", "²", "٣", str(MAX_ID + 1), "99999999999999999999", True, None, 1.5):
        assert as_id(ref) is None, ref
