import pytest

from gateway.portal import presenters as p

DTO = {"issueKey": "AM-1", "requestFieldValues": [
    {"fieldId": "summary", "value": "Feed down"},
    {"fieldId": "description", "value": "Since 9"},
    {"fieldId": "product", "label": "Product", "value": {"id": "tv", "value": "TV"}},
], "currentStatus": {"status": "Waiting for customer", "statusCategory": "INDETERMINATE"}}


def test_reads_summary_and_fields():
    assert p.summary_of(DTO) == "Feed down"
    assert p.field_value(DTO, "description") == "Since 9"
    assert p.field_value(DTO, "missing", "-") == "-"
    assert [f["fieldId"] for f in p.other_fields(DTO)] == ["product"]


@pytest.mark.parametrize("value, text", [
    (None, ""), ("x", "x"), ({"id": "tv", "value": "TV"}, "TV"), ({"label": "L", "value": "v"}, "L"),
    ([{"name": "A"}, {"name": "B"}], "A, B"), (3, "3"),
])
def test_display_of_field_values(value, text):
    assert p.display(value) == text


def test_status_helpers():
    assert p.status_name(DTO) == "Waiting for customer"
    assert p.is_open(DTO)
    assert not p.is_open({"currentStatus": {"statusCategory": "DONE"}})
    assert p.status_class("Waiting for customer") == "status status-waiting-for-customer"
    assert p.status_class("") == "status"


@pytest.mark.parametrize("value, text", [
    ({"iso8601": "2026-11-20T10:15:00+0000"}, "2026-11-20 10:15"),
    ("2026-11-20T10:15:00+00:00", "2026-11-20 10:15"),
    ({"friendly": "Today"}, "Today"),
    (None, ""),
])
def test_friendly_date(value, text):
    assert p.friendly_date(value) == text


def test_default_share_is_the_only_organisation_else_private():
    assert p.default_share([{"id": "3", "name": "Acme"}]) == "3"
    assert p.default_share([]) == ""
    assert p.default_share([{"id": "1"}, {"id": "2"}]) == ""


@pytest.mark.parametrize("field, kind", [
    ({"fieldId": "summary"}, "text"),
    ({"fieldId": "description"}, "textarea"),
    ({"fieldId": "x", "jiraSchema": {"custom": "...:textarea"}}, "textarea"),
    ({"fieldId": "x", "validValues": [{"value": "a"}]}, "select"),
])
def test_field_kind(field, kind):
    assert p.field_kind(field) == kind


def test_page_window():
    assert p.page_window(0, 20, 20, False) == {"prev": None, "next": 20, "first": 1, "last": 20}
    assert p.page_window(40, 20, 5, True) == {"prev": 20, "next": None, "first": 41, "last": 45}
    assert p.page_window(0, 20, 0, True)["first"] == 0


def test_paged_values():
    assert p.paged_values({"values": [1]}) == [1]
    assert p.paged_values([2]) == [2]
    assert p.paged_values(None) == []
