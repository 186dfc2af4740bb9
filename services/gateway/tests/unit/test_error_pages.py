"""Every error page of the gateway speaks the page's language (issue 12, point 11): its title and message,
never the English words of a service behind it nor Werkzeug's."""
from pathlib import Path

import pytest

import gateway
from common.i18n import catalog
from gateway import web

from .conftest import csrf_of, log_in

FOLDER = str(Path(gateway.__file__).parent / "translations")
ENGLISH = "English words of the service."


def _expected(app, status: int, language: str) -> tuple[str, str]:
    """The page's title and message for ``status`` in ``language`` (the catalogue's words)."""
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        title, message = web._error_title(status), web._status_message(status)
    words = catalog(FOLDER, language)
    return words.gettext(title), words.gettext(message)


def _says(page, title: str, message: str) -> None:
    html = page.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html and message in html, html[html.find("<main"):][:600]
    assert ENGLISH not in html and "The method is not allowed" not in html


@pytest.mark.parametrize("status", [400, 403, 404, 409, 410, 429, 500])
def test_a_services_refusal_is_shown_in_the_pages_language(app, client, desk_data, status):
    _, tickets = desk_data
    log_in(client, "francine@example.com")
    tickets.on("GET", "/api/tickets/requests/AM-7", {"errorMessage": ENGLISH}, status=status)
    page = client.get("/portal/requests/AM-7")
    assert page.status_code == status
    _says(page, *_expected(app, status, "fr"))


def test_a_service_that_is_down_is_said_in_the_pages_language(app, client, desk_data):
    _, tickets = desk_data
    log_in(client, "francine@example.com")
    tickets.down = True
    page = client.get("/")
    assert page.status_code == 503
    _says(page, *_expected(app, 503, "fr"))


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_dead_links_and_wrong_methods_are_said_in_the_pages_language(app, client, language):
    headers = {"Accept-Language": language}
    _says(client.get("/no-such-page", headers=headers), *_expected(app, 404, language))
    token = csrf_of(client, "/portal/login")
    wrong = client.post("/", data={"csrf_token": token}, headers=headers)
    assert wrong.status_code == 405
    _says(wrong, *_expected(app, 405, language))


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_a_refused_form_and_an_oversized_body_are_said_in_the_pages_language(app, client, language):
    headers = {"Accept-Language": language}
    words = catalog(FOLDER, language)
    refused = client.post("/portal/login", data={"email": "a@example.com"}, headers=headers)
    assert refused.status_code == 400
    _says(refused, words.gettext("This request could not be processed"),
          words.gettext("This form has expired or did not come from this site. Reload the page and try again."))
    app.config["MAX_CONTENT_LENGTH"] = 1000
    large = client.post("/portal/login", data={"email": "a" * 2000}, headers=headers)
    assert large.status_code == 413
    html = large.get_data(as_text=True)
    assert f"<h1>{_expected(app, 413, language)[0]}</h1>" in html and "The upload is larger" not in html


def test_english_pages_keep_the_services_own_words(client, desk_data):
    _, tickets = desk_data
    log_in(client)
    tickets.on("GET", "/api/tickets/requests/AM-7", {"errorMessage": "Request AM-7 does not exist."}, status=404)
    assert "Request AM-7 does not exist." in client.get("/portal/requests/AM-7").get_data(as_text=True)
