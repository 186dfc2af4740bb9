"""A rendering filled in from its laid-out shape is the full Jinja2 rendering, string for string."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import DictLoader, Environment, StrictUndefined

from notifier.languages import LANGUAGES
from notifier.mail import render as rendering
from notifier.mail import skeletons
from notifier.mail.render import KINDS, environment, render

from .test_render import CONTEXTS


def full(kind: str, language: str, context: dict) -> rendering.Rendered:
    """The email as Jinja2 renders it, without laying anything out."""
    subject, text, html = rendering._render(environment(language), kind, context)
    return rendering.Rendered(subject=subject.strip(), text=text.strip() + "\n", html=html, language=language)


# Text that escaping, %-formatting, stripping and Jinja's own syntax would each treat on its own.
TEXT = st.one_of(st.just(""), st.just(" "), st.sampled_from(["<b>&amp;</b>", "%(key)s", "{{ key }}", "a\nb", " x ",
                                                              "\"'", "€ — ✓", "100%"]),
                 st.text(max_size=40))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_in_every_language_is_its_full_rendering(kind, language):
    context = CONTEXTS[kind]
    assert render(kind, language, **context) == full(kind, language, context)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_strings_fill_in_as_they_render(kind, data):
    language = data.draw(st.sampled_from(LANGUAGES))
    context = dict(CONTEXTS[kind])
    for name, value in context.items():
        if isinstance(value, str) and name not in ("status", "from_status", "to_status", "side", "reason",
                                                   "expires_at"):
            context[name] = data.draw(TEXT, label=name)
    for name in ("actor_name", "mute_url", "reply_address", "display_name", "inviter_name"):
        if name in context:
            context[name] = data.draw(st.one_of(st.none(), TEXT), label=name)
    assert render(kind, language, **context) == full(kind, language, context)


def test_the_same_shape_is_laid_out_once_and_filled_per_email(monkeypatch):
    calls = []
    monkeypatch.setattr(rendering, "_LAID_OUT", {})
    real = rendering._render
    monkeypatch.setattr(rendering, "_render", lambda *args: calls.append(args[1]) or real(*args))
    first = dict(CONTEXTS["mail_request_received"], key="AM-7", summary="First & <one>")
    second = dict(first, key="AM-8", summary="Second")
    got = [render("mail_request_received", "fr", **first)]
    assert len(calls) == 2  # the shape laid out and checked
    got.append(render("mail_request_received", "fr", **second))
    assert len(calls) == 2  # nothing rendered for the second email
    assert got == [full("mail_request_received", "fr", first), full("mail_request_received", "fr", second)]


def test_a_value_the_template_transforms_is_part_of_the_shape():
    usage = rendering._usage(environment("en"), "ticket_status_changed")
    assert skeletons.USED in usage["to_status"]  # status_name(), |lower: never stood in for
    assert usage["summary"] == {skeletons.PRINTED}
    assert usage["mute_url"] == {skeletons.PRINTED, skeletons.TESTED}


def test_a_template_that_cuts_a_value_is_rendered_in_full():
    env = Environment(loader=DictLoader({"cut.txt": "{{ _('Hi %(name).3s', name=name) }}"}),
                      extensions=["jinja2.ext.i18n"], undefined=StrictUndefined)
    env.install_null_translations(newstyle=True)
    usage = skeletons.template_usage(env, "cut.txt")
    assert usage["name"] == {skeletons.PRINTED}  # the syntax allows it: the check must catch it
    template = env.get_template("cut.txt")
    short, names = skeletons.stand_ins({"name": "Zoé"}, usage, 0)
    long, _ = skeletons.stand_ins({"name": "Zoé"}, usage, 7)
    assert skeletons.fill(template.render(short), names, long, html=False) != template.render(long)


def _fill_by_search(laid_out: str, names: list[str], context: dict, html: bool) -> str:
    """``fill`` as it was first written: each stand-in searched for and replaced."""
    from markupsafe import escape

    values = [str(escape(context[n])) if html else context[n] for n in names]
    return skeletons._STAND_IN.sub(lambda m: values[int(m.group(1))], laid_out)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.one_of(TEXT, st.sampled_from(["\ue0000\ue001", "\ue0001xxxxxxx\ue001", "\ue0002x\ue001",
                                                          "\ue000", "\ue001", "\ue0001", "0\ue001"])), max_size=12),
       values=st.lists(TEXT, min_size=3, max_size=3), html=st.booleans())
def test_fill_puts_the_strings_where_a_search_for_the_stand_ins_would(pieces, values, html):
    laid_out = "".join(pieces)
    names = ["a", "b", "c"]
    context = dict(zip(names, values))
    assert _outcome(skeletons.fill, laid_out, names, context, html) == \
        _outcome(_fill_by_search, laid_out, names, context, html)


def _outcome(fill, *args):
    try:
        return fill(*args)
    except IndexError:  # a stand-in numbered beyond the names
        return IndexError
