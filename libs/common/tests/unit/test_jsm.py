from datetime import datetime, timezone

import pytest
from flask import Flask

from common.errors import BadRequest
from common.jsm import date_dto, paged, paging, parse_bool


def test_parse_bool_accepts_python_style_capitals():
    assert parse_bool("True", False, "public") is True
    assert parse_bool("false", True, "public") is False
    with pytest.raises(BadRequest, match="public"):
        parse_bool("maybe", True, "public")


def test_paging_defaults_and_bounds():
    app = Flask(__name__)
    with app.test_request_context("/x?start=5"):
        assert paging() == (5, 50)
    with app.test_request_context("/x?limit=0"):
        with pytest.raises(BadRequest, match="limit"):
            paging()


def test_paged_envelope_links():
    app = Flask(__name__)
    with app.test_request_context("/rest/servicedeskapi/request", base_url="http://desk.test"):
        body = paged([1, 2], start=2, limit=2, is_last_page=False)
    assert body["size"] == 2 and body["isLastPage"] is False
    assert body["_links"]["next"].endswith("start=4&limit=2")
    assert body["_links"]["prev"].endswith("start=0&limit=2")


def test_date_dto():
    dto = date_dto(datetime(2015, 10, 8, 7, 42, tzinfo=timezone.utc))
    assert dto["iso8601"] == "2015-10-08T07:42:00+0000"
    assert dto["jira"] == "2015-10-08T07:42:00.000+0000"
    assert dto["epochMillis"] == 1444290120000


def test_an_expansions_page_links_as_urlencode_would():
    from urllib.parse import urlencode

    app = Flask(__name__)
    with app.test_request_context("/rest/servicedeskapi/request?expand=status&start=0", base_url="http://desk.test"):
        plain = paged([1], start=3, limit=1, is_last_page=False, path="/rest/servicedeskapi/request/AM-1/status")
        given = paged([1], start=3, limit=1, is_last_page=False, path="/rest/servicedeskapi/request/AM-1/status",
                      base="http://desk.test")
        own = paged([1], start=0, limit=1, is_last_page=False)
    base = "http://desk.test/rest/servicedeskapi/request/AM-1/status?"
    assert plain == given
    assert plain["_links"]["self"] == base + urlencode([("start", 3), ("limit", 1)])
    assert plain["_links"]["next"] == base + urlencode([("start", 4), ("limit", 1)])
    assert plain["_links"]["prev"] == base + urlencode([("start", 2), ("limit", 1)])
    # The list's own page keeps its query string.
    assert own["_links"]["next"] == "http://desk.test/rest/servicedeskapi/request?expand=status&start=1&limit=1"
