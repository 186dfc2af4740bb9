import re

import pytest

from common.i18n import catalog
from notifier.languages import LANGUAGES, TRANSLATED
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
    "password_changed": dict(display_name="Al", link="http://h/portal/forgot-password"),
    "ticket_assigned": dict(TICKET, side="agent", url="http://h/agent/requests/AM-1", mute_url=None),
    "ticket_shared": dict(TICKET, organisations=["Acme Media", "Northwind Radio"]),
    "mail_request_received": dict(TICKET, reply_address="am+r-am-1-x@support.example.com"),
    "mail_refused": dict(desk_name="Audio Matching", reason="unknown_sender", url="http://h/portal",
                         portal_url="http://h/portal"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_renders_in_every_language(kind, language):
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
    out = render("invitation", "it-IT", **CONTEXTS["invitation"])
    assert out.language == "en" and out.subject == "Create your password for the service desk"


def test_regional_french_gets_french():
    assert render("invitation", "fr-CA", **CONTEXTS["invitation"]).language == "fr"


def test_regional_german_and_spanish_get_their_language():
    assert render("invitation", "de-AT", **CONTEXTS["invitation"]).language == "de"
    assert render("invitation", "es_MX", **CONTEXTS["invitation"]).language == "es"


def test_the_language_list_is_english_plus_the_translated_ones():
    assert LANGUAGES[0] == "en" and set(TRANSLATED) == {"fr", "de", "es"}
    assert sorted(p.name for p in TRANSLATIONS.iterdir() if p.is_dir()) == sorted(TRANSLATED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_is_complete_and_keeps_placeholders(language):
    translations = catalog(str(TRANSLATIONS), language)
    placeholder = re.compile(r"%\(\w+\)s")
    messages = extract_messages()
    assert len(messages) > 40
    for msgid in messages:
        translated = translations.gettext(msgid)
        # "Status: %(status)s" is the same word in German; every other string must differ.
        assert translated and (translated != msgid or msgid in SAME_IN[language]), f"untranslated: {msgid!r}"
        assert sorted(placeholder.findall(translated)) == sorted(placeholder.findall(msgid)), msgid


SAME_IN = {"fr": set(), "de": {"Status: %(status)s"}, "es": set()}


def test_german_and_spanish_status_emails():
    ctx = CONTEXTS["ticket_status_changed"]
    assert render("ticket_status_changed", "de", **ctx).subject == "[AM-1] Ihre Anfrage ist jetzt „Warten auf Kunde“"
    assert render("ticket_status_changed", "es", **ctx).subject == "[AM-1] Su solicitud ahora está «Esperando al cliente»"


def test_assignment_email_names_the_request():
    out = render("ticket_assigned", "en", **CONTEXTS["ticket_assigned"])
    assert out.subject.startswith("AM-1 was assigned to you: Matching")
    assert "Agent Smith assigned AM-1 to you." in out.text and "/mute" not in out.text


def test_shared_email_lists_the_organisations_in_the_readers_language():
    ctx = CONTEXTS["ticket_shared"]
    assert "shared with Acme Media and Northwind Radio" in render("ticket_shared", "en", **ctx).subject
    assert "partagée avec Acme Media et Northwind Radio" in render("ticket_shared", "fr", **ctx).subject
    assert "mit Acme Media und Northwind Radio geteilt" in render("ticket_shared", "de", **ctx).subject
    assert "con Acme Media y Northwind Radio" in render("ticket_shared", "es", **ctx).subject


def test_shared_email_without_names_is_generic():
    out = render("ticket_shared", "en", **dict(CONTEXTS["ticket_shared"], organisations=[]))
    assert out.subject.startswith("[AM-1] A request was shared with you:")
    assert "Agent Smith shared a request with you." in out.text


def test_password_changed_email_holds_only_the_forgot_password_link():
    out = render("password_changed", "en", **CONTEXTS["password_changed"])
    assert out.subject == "Your service desk password was changed"
    assert re.findall(r"https?://\S+", out.text) == ["http://h/portal/forgot-password"]
    assert set(re.findall(r'href="([^"]+)"', out.html)) == {"http://h/portal/forgot-password"}


def test_ticket_emails_invite_a_reply_when_they_carry_a_reply_address():
    out = render("ticket_commented", "fr", **dict(CONTEXTS["ticket_commented"], reply_address="x+r@h.example"))
    assert "Répondez à cet e-mail" in out.text and "ne sont pas lues" not in out.text
    plain = render("ticket_commented", "en", **CONTEXTS["ticket_commented"])
    assert "Replies to it are not read." in plain.text


def test_agents_are_told_the_note_address():
    ctx = dict(CONTEXTS["ticket_commented"], side="agent", mute_url=None, reply_address="am+r@h.example",
               other_address="am+n-am-1-x@h.example")
    out = render("ticket_commented", "en", **ctx)
    assert "am+n-am-1-x@h.example" in out.text and "am+n-am-1-x@h.example" in out.html


@pytest.mark.parametrize("reason", ["not_the_recipient", "unverified_reply", "unknown_sender", "dmarc_required",
                                    "cannot_comment", "note_not_allowed", "closed", "empty", "no_desk", "invalid"])
def test_every_refusal_reason_has_its_own_sentence(reason):
    out = render("mail_refused", "en", **dict(CONTEXTS["mail_refused"], reason=reason))
    assert out.subject == "Your email to the service desk was not taken in"
    others = {r: render("mail_refused", "en", **dict(CONTEXTS["mail_refused"], reason=r)).text
              for r in ("unknown_sender", "empty")}
    assert sum(out.text == t for t in others.values()) <= 1
