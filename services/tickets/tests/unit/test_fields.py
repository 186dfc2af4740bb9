import pytest

from tickets.domain.fields import SELECT, FieldSpec, Option, validate_values, values_from_text

SPECS = [
    FieldSpec("summary", "What do you need?", required=True, max_length=10),
    FieldSpec("description", "Details", "textarea"),
    FieldSpec("impact", "Impact", SELECT, options=(Option("low", "Low"), Option("high", "High"))),
]


def test_every_bad_field_is_named():
    _, errors = validate_values(SPECS, {"summary": "", "impact": "huge", "colour": "red"})
    assert set(errors) == {"summary", "impact", "colour"}


def test_clean_values_keep_select_option_values():
    clean, errors = validate_values(SPECS, {"summary": " Hi ", "impact": {"id": "high"}, "organizations": [1]})
    assert errors == {}
    assert clean == {"summary": "Hi", "impact": "high"}


def test_a_too_long_summary_is_refused():
    _, errors = validate_values(SPECS, {"summary": "x" * 11})
    assert "summary" in errors


# (title, text, values): the summary field of SPECS holds 10 characters.
FROM_TEXT = (
    ("Short", "Body", {"summary": "Short", "description": "Body"}),
    ("  Two\n  lines ", "Body", {"summary": "Two lines", "description": "Body"}),
    ("Exactly 10", "Body", {"summary": "Exactly 10", "description": "Body"}),
    ("Eleven char", "Body", {"summary": "Eleven ch…", "description": "Eleven char\n\nBody"}),
    ("", "Body", {"summary": "(no subje…", "description": "Body"}),
    (None, None, {"summary": "(no subje…", "description": ""}),
)


@pytest.mark.parametrize(("title", "text", "values"), FROM_TEXT)
def test_text_without_a_form_fits_the_request_types_fields(title, text, values):
    assert values_from_text(SPECS, title, text) == values
    clean, errors = validate_values(SPECS, values)
    assert not errors


def test_a_type_without_a_description_gets_the_summary_alone():
    assert values_from_text(SPECS[:1], "Eleven char", "Body") == {"summary": "Eleven ch…"}
