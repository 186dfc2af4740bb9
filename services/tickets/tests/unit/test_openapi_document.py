"""The served OpenAPI document is valid and lists every route the service answers."""
import re

import pytest

from tickets.api.desks import openapi_document


def _app():
    from flask import Flask

    from tickets import api

    app = Flask("doc")
    api.register(app)
    return app


def test_the_document_is_valid_openapi():
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(openapi_document())


def test_every_route_is_documented():
    documented = {(path, method.upper()) for path, ops in openapi_document()["paths"].items()
                  for method in ops if method != "parameters"}
    for rule in _app().url_map.iter_rules():
        # The catch-all answering Atlassian's operations we do not serve (501) is no operation of ours.
        if rule.endpoint in ("static", "jsm_unimplemented.unimplemented"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", "{\\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            normalised = {(re.sub(r"\{\w+\}", "{}", p), m) for p, m in documented}
            assert (re.sub(r"\{\w+\}", "{}", path), method) in normalised, f"{method} {rule.rule} is undocumented"
