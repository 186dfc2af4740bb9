"""Parsing of the desk administration forms (pure)."""
import pytest

from common.rules import DESK_KEY_TABLE
from gateway.admin import forms


def test_options_lines():
    assert forms.parse_options("tv | TV\n\nRadio\n web|  ") == [
        {"value": "tv", "label": "TV"}, {"value": "Radio", "label": "Radio"}, {"value": "web", "label": "web"}]
    assert forms.format_options([{"value": "tv", "label": "TV"}, {"value": "Radio", "label": "Radio"}]) == \
        "tv | TV\nRadio"


def test_field_rows_from_jsm_fields_skip_the_share_field():
    rows = forms.field_rows([
        {"fieldId": "summary", "name": "Summary", "required": True, "validValues": []},
        {"fieldId": "description", "name": "Description", "jiraSchema": {"system": "description"}},
        {"fieldId": "p", "name": "Product", "validValues": [{"value": "tv", "label": "TV"}]},
        {"fieldId": "organizations", "name": "Share with"},
    ])
    assert [(r["fieldId"], r["type"], r["required"]) for r in rows] == [
        ("summary", "text", True), ("description", "textarea", False), ("p", "select", False)]
    assert rows[2]["options"] == "tv | TV"


def test_parse_fields_keeps_order_and_reports_by_kept_row():
    form = {"fieldId-0": "", "name-0": "", "fieldId-1": "a", "name-1": "A", "type-1": "text",
            "fieldId-2": "a", "name-2": "Again", "type-2": "text", "fieldId-3": "b", "name-3": "",
            "fieldId-4": "c", "name-4": "C", "type-4": "weird"}
    fields, errors = forms.parse_fields(form, 5)
    assert [f["fieldId"] for f in fields] == ["a", "a", "b", "c"]
    assert errors == {"row-1": "duplicate", "row-2": "id_and_name", "row-3": "type"}


@pytest.mark.parametrize(("raw", "key"), DESK_KEY_TABLE, ids=[repr(r[0]) for r in DESK_KEY_TABLE])
def test_the_new_desk_form_follows_the_desk_key_table(raw, key):
    values, errors = forms.new_desk({"key": raw, "name": "Desk"})
    assert ("key" in errors) == (key is None) and "name" not in errors
    if key is not None:
        assert values["key"] == key


def test_a_new_desk_needs_a_name():
    values, errors = forms.new_desk({"key": " am ", "name": "  ", "description": " d "})
    assert errors == {"name": "name"} and values == {"key": "AM", "name": "", "description": "d"}
