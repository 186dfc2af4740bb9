"""The DTOs of a page built together (``dto.customer_requests``) are those built one by one, and the
statements a page keeps are kept by what they depend on."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from flask import Flask

from tickets.api import dto
from tickets.domain.catalog import Account, Desk, RequestType
from tickets.domain.fields import FieldSpec
from tickets.domain.model import Comment, Ticket
from tickets.domain.status import Status
from tickets.domain.visibility import Viewer
from tickets.services.common import RequestView
from tickets.store import tickets as store
from tickets.store.queries import RequestFilter, queue_filter

NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)


def _views() -> list[RequestView]:
    desk = Desk(id=1, key="AM", name="Audio Matching", description="")
    types = {1: RequestType(id=1, desk_id=1, name="Question", fields=(
        FieldSpec(field_id="summary", label="What is it about?"), FieldSpec(field_id="channel", label="Channel"))),
        2: RequestType(id=2, desk_id=1, name="Incident")}
    accounts = {"a": Account("a", "a@example.com", "Ann"), "b": Account("b", "b@example.com", None, active=False)}
    views = []
    for n in range(6):
        ticket = Ticket(desk_id=1, request_type_id=1 + n % 2, reporter_id="abc"[n % 3], summary=f"s{n}",
                        description="d" if n % 2 else "", created_at=NOW - timedelta(hours=n), id=n + 1, number=n + 1,
                        key=f"AM-{n + 1}", status=Status.IN_PROGRESS if n % 2 else Status.WAITING_FOR_SUPPORT,
                        status_changed_at=NOW, field_values={"channel": "42"} if n % 3 == 0 else {},
                        participant_ids={"a", "b"} if n == 1 else set())
        view = RequestView(ticket, desk, types[ticket.request_type_id], accounts)
        view.statuses = [(Status.IN_PROGRESS.value, NOW), (Status.WAITING_FOR_SUPPORT.value, NOW - timedelta(days=1))]
        view.comments = [Comment(id=n * 10 + c, author_id="ab"[c % 2], body="hi", public=True, created_at=NOW)
                         for c in range(n % 3)]
        view.actions = {"addComment": True}
        views.append(view)
    return views


def test_a_page_built_together_is_the_page_built_one_by_one():
    app = Flask(__name__)
    views = _views()
    for wanted in (frozenset(), frozenset({"status", "comment", "action", "participant"})):
        with app.test_request_context("/rest/servicedeskapi/request", base_url="http://desk.test"):
            together = dto.customer_requests(views, wanted)
            alone = [dto.customer_request(v, wanted) for v in views]
        assert together == alone
        assert together[0]["reporter"]["_links"]["self"].startswith("http://desk.test/")


def test_a_person_whose_account_changes_within_an_answer_is_shown_as_they_are_now():
    app = Flask(__name__)
    with app.test_request_context("/", base_url="http://desk.test"):
        shared = dto.Shared()
        accounts = {"a": Account("a", "a@example.com", "Ann")}
        first = shared.user("a", accounts)
        accounts["a"] = Account("a", "a@example.com", "Ann Other")
        assert shared.user("a", accounts)["displayName"] == "Ann Other"
        assert first["displayName"] == "Ann"
        assert shared.user("zz", {})["accountId"] == "zz"


def test_a_kept_page_statement_depends_on_caller_filter_and_page():
    viewer = Viewer("agent", "agent", frozenset(), frozenset({1}))
    queue = queue_filter("open", 1, "agent")
    first = store._kept(store._page_statement, viewer, queue, 0, 51, True)
    assert store._kept(store._page_statement, viewer, queue, 0, 51, True) is first
    assert store._kept(store._page_statement, viewer, queue, 50, 51, True) is not first
    assert store._kept(store._page_statement, viewer, queue_filter("mine", 1, "agent"), 0, 51, True) is not first
    # A viewer with plain sets is the same key as with frozen ones.
    loose = replace(viewer, desk_ids={1})
    assert store._kept(store._page_statement, store._hashable(loose), queue, 0, 51, True) is first
    # An argument that cannot be a key is built apart, never refused.
    listed = replace(RequestFilter(), ownership=["OWNED_REQUESTS"])
    assert store._kept(store._page_statement, viewer, listed, 0, 51, False) is not None
