import re

import pytest

from common.i18n import catalog
from notifier.mail.catalogue import extract_messages
from notifier.mail.render import KINDS, TRANSLATIONS, render

TICKET = dict(key="AM-1", summary="Matching <script>alert(1)</script> & co", desk_name="Audio Matching",
              url="http://h/portal/requests/AM-1", mute_url="http://h/portal/requests/AM-1/mute",
              side="customer", actor_name="Agent Smith", status="Waiting for customer")
CONTEXTS = {
    "invitation": dict(display_name="Zoé", link="http://h/portal/invitation?token=abc",
                       expires_at="2030-01-02T03:04:05Z"),
    "signup": dict(display_name=None, link="http://h/portal/signup/confirm?token=abc",
                   expires_at="2030-01-02T03:04:05Z"),
    "password_reset": dict(display_name="Al", link="http://h/portal/reset-password?token=abc",
                           expires_at="2030-01-02T03:04:05Z"),
    "ticket_created": TICKET,
    "ticket_commented": dict(TICKET, body="Line one\n<b>two</b>", public=True),
    "ticket_status_changed": dict(TICKET, from_status="In progress", to_status="Waiting for customer"),
    "participant_added": TICKET,
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_kind_renders_in_both_languages(kind, language):
    out = render(kind, language, **CONTEXTS[kind])
    assert out.subject and "\n" not in out.subject
    assert out.text.strip() and out.html.startswith("<!DOCTYPE html>")
    assert f'lang="{language}"' in out.html
    link = CONTEXTS[kind].get("link") or CONTEXTS[kind]["url"]
    assert link in out.text
    assert link.replace("&", "&amp;") in out.html


def test_status_email_subject_in_english_and_french():
    ctx = CONTEXTS["ticket_status_changed"]
    assert render("ticket_status_changed", "en", **ctx).subject == "[AM-1] Your request is now Waiting for customer"
    fr = render("ticket_status_changed", "fr", **ctx)
    assert fr.subject == "[AM-1] Votre demande est maintenant « En attente du client »"
    assert "En cours" in fr.text and "Voir la demande" in fr.text


def test_status_ids_are_accepted_as_well_as_names():
    ctx = dict(CONTEXTS["ticket_status_changed"], to_status="waiting_for_customer")
    assert "En attente du client" in render("ticket_status_changed", "fr", **ctx).subject


def test_agents_get_the_console_wording_and_the_summary_in_the_subject():
    ctx = dict(CONTEXTS["ticket_status_changed"], side="agent", mute_url=None, to_status="In progress")
    out = render("ticket_status_changed", "en", **ctx)
    assert out.subject.startswith("[AM-1] Status changed to In progress: Matching")
    assert "/mute" not in out.text and "/mute" not in out.html


def test_html_part_escapes_user_text_and_text_part_keeps_it():
    out = render("ticket_commented", "en", **CONTEXTS["ticket_commented"])
    assert "<script>" not in out.html and "&lt;script&gt;" in out.html
    assert "<b>two</b>" not in out.html and "&lt;b&gt;two&lt;/b&gt;" in out.html
    assert "<b>two</b>" in out.text


def test_customer_emails_carry_the_mute_link():
    out = render("ticket_commented", "fr", **CONTEXTS["ticket_commented"])
    assert "http://h/portal/requests/AM-1/mute" in out.text
    assert "Ne plus recevoir de notifications pour cette demande" in out.html


def test_unsupported_language_falls_back_to_english():
    out = render("invitation", "de-DE", **CONTEXTS["invitation"])
    assert out.language == "en" and out.subject == "Create your password for the service desk"


def test_regional_french_gets_french():
    assert render("invitation", "fr-CA", **CONTEXTS["invitation"]).language == "fr"


def test_french_catalogue_is_complete_and_keeps_placeholders():
    fr = catalog(str(TRANSLATIONS), "fr")
    placeholder = re.compile(r"%\(\w+\)s")
    for msgid in extract_messages():
        translated = fr.gettext(msgid)
        assert translated and translated != msgid, f"untranslated: {msgid!r}"
        assert sorted(placeholder.findall(translated)) == sorted(placeholder.findall(msgid)), msgid
