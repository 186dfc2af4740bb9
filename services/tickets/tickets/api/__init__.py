"""HTTP layer: thin views over the use cases, one blueprint per resource family."""
from flask import Flask


def register(app: Flask) -> None:
    """Mount every blueprint of the service on ``app``."""
    from common import jsm_operations

    from . import admin, attachments, console, conversation, desks, jira, native, requests

    for module in (desks, requests, conversation, attachments, native, console, jira, admin):
        app.register_blueprint(module.bp)
    app.register_blueprint(attachments.native_bp)
    app.register_blueprint(jsm_operations.blueprint())  # JSM operations we do not serve: 501
