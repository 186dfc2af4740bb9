"""Customers' display names may not pass for the support team's (issue 9 item 1), by the rule's table."""
import pytest
from hypothesis import given, settings, strategies as st

from common.testing import count_cases, fuzz_budget, fuzz_derandomized
from identity.domain.names import CASES, StaffName, check_customer_name


@pytest.mark.parametrize(("name", "staff", "allowed"), CASES)
def test_the_staff_name_rule(name, staff, allowed):
    if allowed:
        assert check_customer_name(name, staff) == name
    else:
        with pytest.raises(StaffName):
            check_customer_name(name, staff)


@settings(max_examples=fuzz_budget(300), derandomize=fuzz_derandomized(), database=None)
@given(st.text(max_size=40))
def test_any_text_is_either_allowed_or_refused_with_a_reason(name):
    count_cases("hypothesis: display names")
    try:
        check_customer_name(name, ["Alex Agent"])
    except StaffName as exc:
        assert str(exc)
