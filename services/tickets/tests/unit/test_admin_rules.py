import pytest

from common.rules import DESK_KEY_TABLE
from tickets.domain import admin


def test_a_new_desk_names_every_bad_field():
    clean, errors = admin.new_desk({"key": "am", "name": "Audio"})
    assert errors == {} and clean == {"key": "AM", "name": "Audio", "description": ""}
    _, errors = admin.new_desk({"key": "1AM", "name": " ", "description": 3})
    assert set(errors) == {"key", "name", "description"}
    _, errors = admin.new_desk(None)
    assert set(errors) == {"key", "name"}
    assert set(admin.new_desk({"key": "TOOLONGKEY1", "name": "x"})[1]) == {"key"}


@pytest.mark.parametrize(("raw", "key"), DESK_KEY_TABLE, ids=[repr(r[0]) for r in DESK_KEY_TABLE])
def test_a_new_desks_key_follows_the_desk_key_table(raw, key):
    clean, errors = admin.new_desk({"key": raw, "name": "Desk"})
    assert ("key" in errors) == (key is None), errors
    if key is not None:
        assert clean["key"] == key


def test_desk_changes_accept_only_known_settings_with_the_right_types():
    clean, errors = admin.desk_changes({"active": False, "allowParticipantInvites": True, "name": "New"})
    assert errors == {} and clean == {"active": False, "allowParticipantInvites": True, "name": "New"}
    _, errors = admin.desk_changes({"restricted": "true", "key": "XY", "name": ""})
    assert set(errors) == {"restricted", "key", "name"}


def test_request_types_need_a_name():
    clean, errors = admin.new_request_type({"name": "Access", "helpText": "Which?"})
    assert errors == {} and clean["help_text"] == "Which?" and clean["issue_type"] == "Service request"
    assert set(admin.new_request_type({"helpText": 1})[1]) == {"name", "helpText"}


def test_field_lists_are_checked_field_by_field():
    specs, errors = admin.field_specs([
        {"fieldId": "summary", "name": "Summary", "required": True},
        {"fieldId": "system", "name": "System", "type": "select", "options": [{"value": "erp", "label": "ERP"},
                                                                            {"value": "crm"}]},
    ])
    assert errors == {}
    assert [s.field_id for s in specs] == ["summary", "system"]
    assert [o.label for o in specs[1].options] == ["ERP", "crm"]
    _, errors = admin.field_specs([
        {"fieldId": "summary", "name": "Summary", "required": "yes"},
        {"fieldId": "organizations", "name": "Orgs"},
        {"fieldId": "x", "name": "X", "type": "select"},
        {"fieldId": "x", "name": "Again"},
        "nope",
    ])
    assert {"[0].required", "[1].fieldId", "[2].options", "[3].fieldId", "[4]"} <= set(errors)
    assert admin.field_specs([])[1] == {"fields": ["Send a non-empty JSON array of fields."]}
    assert "summary" in admin.field_specs([{"fieldId": "details", "name": "Details"}])[1]
    assert "summary" in admin.field_specs([{"fieldId": "summary", "name": "S", "type": "textarea",
                                            "required": True}])[1]
