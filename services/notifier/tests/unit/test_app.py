from notifier.app import create_app
from notifier.settings import Settings


def test_probes_answer(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'n.db'}", smtp_url=str(tmp_path)))
    client = app.test_client()
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"] == {"database": "ok", "broker": "ok"}


def test_readiness_reports_a_broker_that_does_not_answer(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'n.db'}", amqp_url="amqp://guest:guest@127.0.0.1:1//",
                              smtp_url=str(tmp_path)))
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["broker"] == "unavailable"


def test_nothing_else_is_served(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'n.db'}", smtp_url=str(tmp_path)))
    assert app.test_client().get("/").status_code == 404
