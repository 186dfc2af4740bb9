"""Parsing of the desk administration forms (pure)."""
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


def test_desk_keys():
    assert forms.KEY.match("AM") and forms.KEY.match("TV2")
    assert not forms.KEY.match("A") and not forms.KEY.match("2A") and not forms.KEY.match("am")
