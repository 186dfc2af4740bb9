import pytest
from flask import Flask
from marshmallow import Schema, fields

from sqlalchemy import exc as sa_exc

from common import errors
from common.errors import register_error_handlers


class Thing(Schema):
    name = fields.String(required=True)


@pytest.mark.parametrize(
    "exc, status, code",
    [
        (errors.BadRequest("x"), 400, "bad_request"),
        (errors.ValidationFailed("x"), 400, "validation_failed"),
        (errors.Unauthorized(), 401, "unauthorized"),
        (errors.Forbidden("x"), 403, "forbidden"),
        (errors.NotFound("x"), 404, "not_found"),
        (errors.Conflict("x"), 409, "conflict"),
        (errors.Gone("x"), 410, "gone"),
        (errors.PayloadTooLarge("x"), 413, "payload_too_large"),
        (errors.TooManyRequests("x", retry_after=7), 429, "too_many_requests"),
        (errors.ServiceUnavailable("x"), 503, "service_unavailable"),
        (RuntimeError("boom"), 500, "internal_error"),
    ],
)
def test_error_table(exc, status, code):
    body, got_status, _headers = errors.to_response(exc)
    assert (got_status, body["code"]) == (status, code)
    assert body["errorMessage"]
    assert body["i18nErrorMessage"]["i18nKey"] == f"servicedesk.error.{code}"


def _db_error(cls, invalidated=False):
    return cls("SELECT 1", {}, Exception("connection refused"), connection_invalidated=invalidated)


@pytest.mark.parametrize("exc", [
    _db_error(sa_exc.OperationalError), _db_error(sa_exc.InterfaceError), sa_exc.TimeoutError("pool timeout"),
    _db_error(sa_exc.DBAPIError, invalidated=True),
], ids=["operational", "interface", "pool-timeout", "invalidated"])
def test_a_database_outage_is_a_503_with_retry_after_and_the_jsm_body_under_rest(exc):
    app = Flask(__name__)
    register_error_handlers(app)

    @app.get("/rest/servicedeskapi/request")
    def requests():
        raise exc

    response = app.test_client().get("/rest/servicedeskapi/request")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(errors.DATABASE_RETRY_AFTER)
    assert set(response.json) == {"errorMessage", "i18nErrorMessage"}
    assert "try again" in response.json["errorMessage"]


def test_a_database_outage_after_the_view_is_a_503_too():
    # An after_request hook that meets the outage must not turn the view's 503 into a 500.
    app = Flask(__name__)
    register_error_handlers(app)

    @app.get("/rest/servicedeskapi/request")
    def requests():
        return {"values": []}

    @app.after_request
    def check(response):
        raise _db_error(sa_exc.OperationalError)

    response = app.test_client().get("/rest/servicedeskapi/request")
    assert response.status_code == 503 and response.headers["Retry-After"]


def test_a_query_error_is_no_outage():
    assert not errors.is_database_outage(_db_error(sa_exc.IntegrityError))
    assert not errors.is_database_outage(_db_error(sa_exc.ProgrammingError))


def test_validation_error_names_each_field():
    app = Flask(__name__)
    register_error_handlers(app)

    @app.post("/things")
    def create():
        Thing().load({})

    response = app.test_client().post("/things", json={})
    assert response.status_code == 400
    assert response.json["errors"] == {"name": ["Missing data for required field."]}
    assert "name" in response.json["errorMessage"]


def test_retry_after_and_unknown_route():
    app = Flask(__name__)
    register_error_handlers(app)

    @app.get("/slow")
    def slow():
        raise errors.TooManyRequests("Too many attempts; try again later.", retry_after=30)

    client = app.test_client()
    response = client.get("/slow")
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    assert client.get("/nowhere").status_code == 404


def test_jsm_paths_get_exactly_the_jsm_error_body():
    app = Flask(__name__)
    register_error_handlers(app)

    @app.post("/rest/servicedeskapi/things")
    def create():
        Thing().load({})

    body = app.test_client().post("/rest/servicedeskapi/things", json={}).json
    assert set(body) == {"errorMessage", "i18nErrorMessage"}
    assert "name" in body["errorMessage"]
