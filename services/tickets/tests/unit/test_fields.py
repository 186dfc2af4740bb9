from tickets.domain.fields import SELECT, FieldSpec, Option, validate_values

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
