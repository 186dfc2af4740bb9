"""Every container of the rendered dev overlay starts as its manifest says and becomes ready.

The overlay is rendered with `kubectl kustomize` under a test overlay that only replaces the
Secrets' values (URLs of this run's own PostgreSQL, RabbitMQ and Redis containers, built from the
same images as compose's, an SMTP server in this process and a private Dovecot). The in-namespace
infrastructure of the dev overlay is stood in for by those containers; every service desk container
(migration Jobs, then every Deployment's) is started with `docker run` exactly as its pod spec says
(tests/deploy/pods.py): the Jobs must exit 0, every other container must pass its readiness probe
and keep running.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from containers import ensure_images, docker_available, free_ports, wait_for
from pods import Rendered, start

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(docker_available() is not None, reason=str(docker_available()))
INFRASTRUCTURE = {"postgres", "rabbitmq", "redis", "mailpit"}


def kubectl() -> str:
    local = Path(sys.executable).with_name("kubectl")
    return str(local) if local.exists() else shutil.which("kubectl") or "kubectl"


def infrastructure(tmp: Path):
    """This run's PostgreSQL, RabbitMQ and Redis containers on free ports; (urls, container ids)."""
    pg, mq, dist, epmd, redis = free_ports(5)
    password = uuid.uuid4().hex
    tag = uuid.uuid4().hex[:6]
    runs = [
        ["--name", f"sdpod-pg-{tag}", "-e", f"POSTGRES_PASSWORD={password}", "-e", f"PGPORT={pg}",
         "-v", f"{ROOT / 'deploy/postgres-init.sql'}:/docker-entrypoint-initdb.d/10-databases.sql:ro",
         "--health-cmd", "pg_isready -U postgres -d inbound", "postgres:16"],
        ["--name", f"sdpod-mq-{tag}", "-e", "RABBITMQ_DEFAULT_USER=servicedesk", "-e",
         f"RABBITMQ_DEFAULT_PASS={password}", "-e", f"RABBITMQ_NODE_PORT={mq}", "-e", f"RABBITMQ_DIST_PORT={dist}",
         "-e", f"ERL_EPMD_PORT={epmd}", "-e", "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-rabbitmq_management tcp_config "
         f"[{{port,{free_ports(1)[0]}}}]", "--health-cmd", "rabbitmq-diagnostics -q check_port_connectivity",
         "rabbitmq:3.13-management"],
        ["--name", f"sdpod-redis-{tag}", "redis:7", "redis-server", "--port", str(redis), "--bind", "127.0.0.1",
         "--save", ""],
    ]
    ids = []
    for args in runs:
        out = subprocess.run(["docker", "run", "-d", "--network", "host", "--health-interval", "2s", *args],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        ids.append(out.stdout.strip())
    for cid in ids[:2]:
        wait_for(lambda: subprocess.run(["docker", "inspect", "--format", "{{.State.Health.Status}}", cid],
                                        capture_output=True, text=True).stdout.strip() == "healthy",
                 timeout=120, what="the infrastructure containers to be healthy")
    db = f"postgresql://postgres:{password}@127.0.0.1:{pg}"
    urls = {"db": db, "amqp": f"amqp://servicedesk:{password}@127.0.0.1:{mq}//", "redis": f"redis://127.0.0.1:{redis}/0"}
    return urls, ids


def render(tmp: Path, urls: dict, smtp_port: int, imap_url: str) -> Rendered:
    tree = tmp / "k8s"
    shutil.copytree(ROOT / "k8s", tree, ignore=shutil.ignore_patterns("secrets"))
    (tree / "overlays/dev/secrets").mkdir()
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                    str(tree / "overlays/dev/secrets/jwt-private.pem")], check=True, capture_output=True)
    test = tree / "overlays/test"
    test.mkdir()
    db = urls["db"]

    def secret(name, **values):
        return {"name": name, "behavior": "merge", "literals": [f"{k.replace('_', '-')}={v}" for k, v in values.items()]}

    (test / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": ["../dev"],
        "secretGenerator": [
            secret("identity-secrets", database_url=f"{db}/identity", amqp_url=urls["amqp"], redis_url=urls["redis"]),
            secret("tickets-secrets", database_url=f"{db}/tickets", amqp_url=urls["amqp"]),
            secret("notifier-secrets", database_url=f"{db}/notifier", amqp_url=urls["amqp"],
                   smtp_url=f"smtp://127.0.0.1:{smtp_port}"),
            secret("inbound-secrets", database_url=f"{db}/inbound", amqp_url=urls["amqp"], imap_url=imap_url),
        ],
    }))
    out = subprocess.run([kubectl(), "kustomize", str(test)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return Rendered([d for d in yaml.safe_load_all(out.stdout) if d])


def test_every_rendered_container_starts_as_its_pod_spec_says_and_becomes_ready(tmp_path, monkeypatch):
    from aiosmtpd.controller import Controller

    from common import imapserver

    ensure_images()
    smtp_port = free_ports(1)[0]
    smtp = Controller(type("Sink", (), {"handle_DATA": lambda *a: _accept()})(), hostname="127.0.0.1",
                      port=smtp_port)
    smtp.start()
    started, infra = [], []
    try:
        with imapserver.running({"support": "imap-secret-1"}) as imap:
            urls, infra = infrastructure(tmp_path)
            rendered = render(tmp_path, urls, smtp_port, imap.url("support"))
            files = tmp_path / "volumes"
            files.mkdir()
            files.chmod(0o755)

            # Independent of one another, as in a cluster: the Jobs together, then every Deployment.
            jobs = [(job["metadata"]["name"], job["spec"]["template"]["spec"], c)
                    for job in rendered.workloads("Job") for c in job["spec"]["template"]["spec"]["containers"]]
            with ThreadPoolExecutor(8) as pool:
                runs = list(pool.map(lambda j: start(rendered, *j, files), jobs))
                started.extend(runs)
                codes = list(pool.map(lambda r: subprocess.run(["docker", "wait", r.id], capture_output=True,
                                                               text=True, timeout=180).stdout.strip(), runs))
            for run, code in zip(runs, codes):
                assert code == "0", f"{run.name} exited {code}:\n{run.logs()}"

            deployments = [d for d in rendered.workloads("Deployment")
                           if d["metadata"]["name"] not in INFRASTRUCTURE]
            ports = [p["containerPort"] for d in deployments for c in d["spec"]["template"]["spec"]["containers"]
                     for p in c.get("ports", [])]
            busy = [p for p in ports if _listening(p)]
            assert not busy, f"ports the pods listen on are taken on this machine: {busy}"
            specs = [(d["metadata"]["name"], d["spec"]["template"]["spec"], c)
                     for d in deployments for c in d["spec"]["template"]["spec"]["containers"]]
            with ThreadPoolExecutor(8) as pool:
                running = list(pool.map(lambda spec: start(rendered, *spec, files), specs))
            started.extend(running)
            assert {r.name for r in running} >= {"identity-api", "identity-relay", "identity-worker", "tickets-api",
                                                  "tickets-relay", "tickets-worker", "notifier-worker", "gateway",
                                                  "inbound-relay", "inbound-lmtp", "inbound-imap"}
            pending = list(running)
            deadline = time.monotonic() + 150
            with ThreadPoolExecutor(8) as pool:
                while pending and time.monotonic() < deadline:
                    for run in pending:
                        assert run.state()["Running"], f"{run.name} stopped:\n{run.logs()}"
                    ready = list(pool.map(lambda r: r.probe("readinessProbe"), pending))
                    pending = [run for run, ok in zip(pending, ready) if not ok]
                    time.sleep(1)
            assert not pending, "not ready: " + "; ".join(f"{r.name}:\n{r.logs()}" for r in pending)
            print(f"every container ready {time.monotonic() - deadline + 150:.1f}s after they were started")
            time.sleep(3)
            for run in running:
                assert run.state()["Running"], f"{run.name} stopped after becoming ready:\n{run.logs()}"
                assert run.probe("livenessProbe"), run.name
    finally:
        for run in started:
            run.remove()
        for cid in infra:
            subprocess.run(["docker", "rm", "-f", "-v", cid], capture_output=True)
        smtp.stop()


async def _accept():
    return "250 OK"


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False
