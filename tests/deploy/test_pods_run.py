"""Every service desk container of every overlay starts as its manifest says and becomes ready.

Each overlay is rendered with `kubectl kustomize` under a test overlay that supplies only what a
cluster's operators would: the Secrets' values, here the URLs of this run's own PostgreSQL,
RabbitMQ and Redis containers (the images compose uses), an SMTP server in this process and a
private Dovecot (tests/deploy/pods.py, stand_ins). Every service desk container (the migration
Jobs, then every Deployment's) is then started with `docker run` exactly as its pod spec says
(pods.py): the Jobs must exit 0, every other container must pass its readiness probe (the workers
and relays: stay up, connected and consuming) and keep running. The overlays run one after the
other, as their containers listen on the same ports.

- dev: its in-namespace PostgreSQL, RabbitMQ, Redis and SMTP sink are stood in for by those
  containers; only the Secrets' literals are replaced.
- prod: the Secrets are generated from the files the operator writes under
  k8s/overlays/prod/secrets/ (k8s/README.md), written here with this run's URLs. The databases and
  the broker are reached by the names of the Services the operators create (servicedesk-db-rw of
  CloudNativePG, servicedesk-mq of the RabbitMQ Cluster Operator), which the test overlay declares so
  that they resolve as in the cluster. The images are the ones scripts/images.py builds, under the
  names the prod overlay gives them in the registry. The operator objects themselves (the
  CloudNativePG Cluster, the RabbitmqCluster, KEDA's ScaledObject and TriggerAuthentication, the
  Prometheus Operator's PodMonitor) are not containers that can be run here; test_overlays.py
  validates them against the operators' schemas.
"""
from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from containers import docker_available, ensure_images
from pods import ROOT, Rendered, kustomize, run_every_container, stand_ins

pytestmark = pytest.mark.skipif(docker_available() is not None, reason=str(docker_available()))
EXPECTED = {"identity-api", "identity-relay", "identity-worker", "tickets-api", "tickets-relay", "tickets-worker",
            "notifier-worker", "gateway", "inbound-relay", "inbound-lmtp", "inbound-imap"}
# The dev overlay's own infrastructure Deployments, stood in for by this run's containers.
DEV_INFRASTRUCTURE = {"postgres", "rabbitmq", "redis", "mailpit"}
# The Services CloudNativePG and the RabbitMQ Cluster Operator create for the prod overlay's
# Cluster and RabbitmqCluster (the names k8s/overlays/prod/*-cluster.yaml give the applications).
OPERATOR_SERVICES = {"servicedesk-db-rw": 5432, "servicedesk-mq": 5672}


def copy_manifests(tmp: Path) -> Path:
    tree = tmp / "k8s"
    shutil.copytree(ROOT / "k8s", tree, ignore=shutil.ignore_patterns("secrets"))
    (tree / "overlays/test").mkdir()
    return tree


def signing_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                    str(path)], check=True, capture_output=True)


def render_dev(tmp: Path, urls: dict) -> Rendered:
    tree = copy_manifests(tmp)
    signing_key(tree / "overlays/dev/secrets/jwt-private.pem")
    db = urls["db"]

    def secret(name, **values):
        return {"name": name, "behavior": "merge", "literals": [f"{k.replace('_', '-')}={v}" for k, v in values.items()]}

    (tree / "overlays/test/kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": ["../dev"],
        "secretGenerator": [
            secret("identity-secrets", database_url=f"{db}/identity", amqp_url=urls["amqp"], redis_url=urls["redis"]),
            secret("tickets-secrets", database_url=f"{db}/tickets", amqp_url=urls["amqp"]),
            secret("notifier-secrets", database_url=f"{db}/notifier", amqp_url=urls["amqp"], smtp_url=urls["smtp"]),
            secret("inbound-secrets", database_url=f"{db}/inbound", amqp_url=urls["amqp"], imap_url=urls["imap"]),
        ],
    }))
    return kustomize(tree / "overlays/test")


def render_prod(tmp: Path, urls: dict) -> Rendered:
    tree = copy_manifests(tmp)
    prod = tree / "overlays/prod"
    db = urls["db"]
    files = {
        "identity/database-url": f"{db}/identity", "identity/amqp-url": urls["amqp"],
        "identity/redis-url": urls["redis"],
        "tickets/database-url": f"{db}/tickets", "tickets/amqp-url": urls["amqp"],
        "notifier/database-url": f"{db}/notifier", "notifier/amqp-url": urls["amqp"], "notifier/smtp-url": urls["smtp"],
        "inbound/database-url": f"{db}/inbound", "inbound/amqp-url": urls["amqp"], "inbound/imap-url": urls["imap"],
        "reply-token-secret": secrets.token_hex(32), "gateway/secret-key": secrets.token_urlsafe(48),
    }
    for name, value in files.items():
        (prod / "secrets" / name).parent.mkdir(parents=True, exist_ok=True)
        (prod / "secrets" / name).write_text(value)
    signing_key(prod / "secrets/identity/jwt-private.pem")
    generated = {entry.split("=", 1)[1] for g in yaml.safe_load((prod / "kustomization.yaml").read_text())["secretGenerator"]
                 for entry in g.get("files", [])}
    assert generated == {f"secrets/{name}" for name in [*files, "identity/jwt-private.pem"]}, "secret files changed"

    test = tree / "overlays/test"
    (test / "operators.yaml").write_text(yaml.safe_dump_all([
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "servicedesk"},
         "spec": {"ports": [{"port": port}]}} for name, port in OPERATOR_SERVICES.items()]))
    images = yaml.safe_load((prod / "kustomization.yaml").read_text())["images"]
    (test / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": ["../prod", "operators.yaml"],
        "images": [{"name": image["newName"], "newName": image["name"], "newTag": "dev"} for image in images],
    }))
    return kustomize(test)


OVERLAYS = {"dev": (render_dev, DEV_INFRASTRUCTURE, "127.0.0.1", "127.0.0.1"),
            "prod": (render_prod, set(), "servicedesk-db-rw", "servicedesk-mq")}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_container_starts_as_its_pod_spec_says_and_becomes_ready(overlay, tmp_path):
    render, infrastructure, db_host, mq_host = OVERLAYS[overlay]
    ensure_images()
    with stand_ins(db_host=db_host, mq_host=mq_host) as urls:
        rendered = render(tmp_path, urls)
        if overlay == "prod":
            assert {d["kind"] for d in rendered.docs} >= {"Cluster", "RabbitmqCluster", "ScaledObject", "PodMonitor"}
            assert not rendered.workloads("StatefulSet"), "prod runs no infrastructure of its own"
        files = tmp_path / "volumes"
        files.mkdir()
        files.chmod(0o755)
        run_every_container(rendered, files, EXPECTED, skip=infrastructure)
