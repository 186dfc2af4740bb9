"""The tickets API's answers are Flask's bytes: the JSON provider's, and the lists written member by member."""
import dataclasses
import decimal
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from common.jsm import paged
from tickets.api import dto
from tickets.api.encoding import AnswerJSONProvider, fast_encoder, text_response, with_values
from tickets.domain.catalog import Account, RequestType
from tickets.domain.fields import SELECT, FieldSpec, Option
from tickets.domain.model import Comment
from tickets.domain.status import Status

from .test_read_dtos import NOW, _views


@dataclasses.dataclass
class Point:
    x: float
    y: str


VALUES = [
    None, True, 0, -7, 2**70, 1.5, 1e-7, 1e22, float("nan"), float("inf"), "", "caf\u00e9 \u2603 \U0001f600",
    'quote " back \\ slash / tab \t nl \n nul \x00 del \x7f', [], {}, [1, [2, [3, {}]]],
    {"z": 1, "a": {"b": [None, False]}, "\u00e9": "k"}, {1: "int key", 2.5: "float", True: "bool", None: "none"},
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), date(2026, 1, 2), decimal.Decimal("1.10"),
    uuid.UUID(int=42), Point(1.0, "\u00fc"), (1, "tuple"),
]


def _apps(debug=False, sort_keys=False):
    ours, flask = Flask("ours"), Flask("flask")
    ours.json = AnswerJSONProvider(ours)
    for app in (ours, flask):
        app.debug = debug
        app.json.sort_keys = sort_keys
    assert isinstance(flask.json, DefaultJSONProvider) and not isinstance(flask.json, AnswerJSONProvider)
    return ours, flask


def _answer(app, value):
    with app.app_context():
        try:
            return app.json.response(value)
        except TypeError as refused:
            return refused


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("sort_keys", [False, True])
def test_the_provider_answers_flasks_bytes_and_headers(debug, sort_keys):
    ours, flask = _apps(debug, sort_keys)
    shared = {"same": "dict"}
    for value in [*VALUES, VALUES, {"one": shared, "two": [shared, shared]}]:
        mine, theirs = _answer(ours, value), _answer(flask, value)
        if isinstance(theirs, Exception):  # keys that do not sort: refused alike
            assert type(mine) is type(theirs), value
            continue
        assert mine.get_data() == theirs.get_data(), value
        assert mine.headers == theirs.headers and mine.status == theirs.status
    with ours.app_context(), flask.app_context():
        assert ours.json.response(1, "a").get_data() == flask.json.response(1, "a").get_data()
        assert ours.json.response(a=1, b=[2]).get_data() == flask.json.response(a=1, b=[2]).get_data()


def test_what_json_cannot_write_is_still_refused():
    ours, _flask = _apps()
    with ours.app_context(), pytest.raises(TypeError):
        ours.json.response({"x": object()})


def test_the_encoder_follows_settings_changed_after_start_up():
    ours, flask = _apps()
    with ours.app_context(), flask.app_context():
        assert ours.json.response({"b": 1, "a": 2}).get_data() == b'{"b":1,"a":2}\n'
        ours.json.sort_keys = True
        assert ours.json.response({"b": 1, "a": 2}).get_data() == b'{"a":2,"b":1}\n'
        ours.json.ensure_ascii = False
        flask.json.ensure_ascii, flask.json.sort_keys = False, True
        assert ours.json.response({"\u00e9": 1}).get_data() == flask.json.response({"\u00e9": 1}).get_data()


def test_lists_are_written_member_by_member_only_when_flasks_bytes_keep_member_order():
    ours, flask = _apps()
    assert fast_encoder(ours) is not None and fast_encoder(flask) is None
    for change in ({"sort_keys": True}, {"ensure_ascii": False}, {"compact": False}):
        other, _ = _apps()
        for name, value in change.items():
            setattr(other.json, name, value)
        assert fast_encoder(other) is None
    assert fast_encoder(_apps(debug=True)[0]) is None


def _odd_views():
    """The shared views, with what escapes, selects, missing people and odd field values."""
    views = _views()
    select = RequestType(id=3, desk_id=1, name="S\u00e9lect", fields=(
        FieldSpec(field_id="summary", label="Sujet \u00ab \u00bb"), FieldSpec(field_id="description", label='Say "why"'),
        FieldSpec(field_id="impact", label="Impact", type=SELECT, options=(Option("hi", "High \u2191"),)),
        FieldSpec(field_id="count", label="Count"), FieldSpec(field_id="tags", label="Tags")))
    accounts = {"a": Account("a", "a@example.com", "\u00c5sa </script>")}
    odd = [replace(views[0], request_type=select, accounts=accounts),
           replace(views[1], request_type=select, accounts={})]
    odd[0].ticket = replace(views[0].ticket, request_type_id=3, summary="caf\u00e9 \U0001f600 \"q\" \\ \n",
                            description="\t\x00", field_values={"impact": "hi", "count": 3, "tags": ["a", None, 1.5]},
                            reporter_id="a", status_changed_at=datetime(2026, 1, 2, 3, 4, 5))
    odd[1].ticket = replace(views[1].ticket, request_type_id=3, field_values={"impact": "unknown"}, reporter_id="zz",
                            created_at=NOW.replace(microsecond=999999))
    # Comments with what escapes, by someone the replica does not know, at naive and other-zone moments;
    # statuses at such moments.
    elsewhere = timezone(timedelta(hours=-5))
    odd[0].comments = [Comment(id=71, author_id="zz", body='caf\u00e9 "q" \\ \n \U0001f600 </script>', public=False,
                               created_at=datetime(2026, 1, 2, 3, 4, 5)),
                       Comment(id=72, author_id="a", body="", public=True, created_at=NOW.astimezone(elsewhere))]
    odd[1].statuses = [("Resolved", datetime(2026, 1, 2, 3, 4, 5)), (Status.IN_PROGRESS, NOW.astimezone(elsewhere))]
    # Actions as the list sets them, and one whose value is a number (``True == 1``, but JSON writes 1).
    views[0].actions = {"addAttachment": True, "addComment": True, "addParticipant": False, "removeParticipant": False}
    odd[0].actions = dict(views[0].actions)
    odd[1].actions = {"addAttachment": 1, "addComment": True, "addParticipant": 0, "removeParticipant": False}
    return views + odd


# The customers' list's own expansions (written on their own, empty pages and actions kept), then with others.
WANTED = [frozenset(), frozenset({"status", "comment", "action"}), frozenset({"status", "action"}),
          frozenset({"status", "comment", "action", "participant"}),
          frozenset({"status", "comment", "comment.attachment", "action", "participant", "serviceDesk",
                     "requestType", "attachment"})]


@pytest.mark.parametrize("wanted", WANTED)
def test_a_page_written_member_by_member_is_the_page_encoded_whole(wanted):
    ours, flask = _apps()
    views = _odd_views()
    for start, last, after in ((0, False, None), (50, True, {"total": 1234}), (5, False, {"total": 0, "z": [1]})):
        path = "/rest/servicedeskapi/request?expand=status&searchTerm=%C3%A9%20x&limit=50"
        with flask.test_request_context(path, base_url="http://desk.test"):
            page = paged(dto.customer_requests(views, wanted), start, 50, last)
            expected = flask.json.response({**page, **after} if after else page)
        with ours.test_request_context(path, base_url="http://desk.test"):
            encode = fast_encoder(ours)
            written = paged(dto.customer_requests_json(views, wanted, encode), start, 50, last)
            answer = text_response(ours, with_values(encode, written, after))
        assert answer.get_data() == expected.get_data()
        assert answer.headers == expected.headers


def test_an_empty_page_written_member_by_member():
    ours, flask = _apps()
    with flask.test_request_context("/x"):
        expected = flask.json.response({**paged([], 0, 50, True), "total": 0}).get_data()
    with ours.test_request_context("/x"):
        encode = fast_encoder(ours)
        assert text_response(ours, with_values(encode, paged([], 0, 50, True), {"total": 0})).get_data() == expected


def test_answers_written_one_after_the_other_show_each_person_as_they_are_then():
    # People, moments and statuses are written once per worker: a person whose account changed
    # between two answers is shown as they are now in the later one.
    ours, flask = _apps()
    views = _views()[:1]
    for name in ("Ann", "Ann Other", "Ann"):
        views[0].accounts = {"a": Account("a", "a@example.com", name)}
        views[0].comments = [Comment(id=1, author_id="a", body="hi", public=True, created_at=NOW)]
        wanted = frozenset({"comment"})
        with flask.test_request_context("/x", base_url="http://desk.test"):
            expected = flask.json.response(paged(dto.customer_requests(views, wanted), 0, 50, True)).get_data()
        with ours.test_request_context("/x", base_url="http://desk.test"):
            encode = fast_encoder(ours)
            written = with_values(encode, paged(dto.customer_requests_json(views, wanted, encode), 0, 50, True))
        assert text_response(ours, written).get_data() == expected
        assert f'"displayName":"{name}"'.encode() in expected
