"""Run a rendered Kubernetes pod spec's containers with `docker run`, as the kubelet would.

No cluster runs on these machines, so each container is started as its spec says: the image, the
command (ENTRYPOINT) and args (CMD), env resolved from the rendered ConfigMaps and Secrets, the
user and groups, a read-only root, no capabilities and no privilege escalation, memory and CPU
limits, a tmpfs for each emptyDir and the Secret and ConfigMap volumes as read-only files; on the
host network, with each Service name resolving to 127.0.0.1. Its readiness probe is then run as
the kubelet runs it (httpGet, tcpSocket, or exec inside the container). stand_ins() starts what the
pods connect to and run_every_container() runs an overlay's Jobs, then its Deployments.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml

from containers import free_ports, wait_for

ROOT = Path(__file__).resolve().parents[2]

UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def quantity(value: str) -> int:
    match = re.fullmatch(r"(\d+)(Ki|Mi|Gi)?", str(value))
    return int(match.group(1)) * UNITS.get(match.group(2) or "", 1)


class Rendered:
    """The objects of one `kubectl kustomize` output, looked up by kind and name."""

    def __init__(self, docs: list[dict]):
        self.docs = docs
        self.config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
        self.secrets = {d["metadata"]["name"]: {k: base64.b64decode(v).decode() for k, v in d.get("data", {}).items()}
                        for d in docs if d["kind"] == "Secret"}

    def workloads(self, kind: str) -> list[dict]:
        return [d for d in self.docs if d["kind"] == kind]

    def services(self) -> list[str]:
        return [d["metadata"]["name"] for d in self.docs if d["kind"] == "Service"]

    def env(self, container: dict) -> dict[str, str]:
        values = {}
        for item in container.get("env", []):
            if "value" in item:
                values[item["name"]] = item["value"]
                continue
            ref = item["valueFrom"]
            kind, source = ("configMapKeyRef", self.config_maps) if "configMapKeyRef" in ref else ("secretKeyRef", self.secrets)
            found = source.get(ref[kind]["name"], {}).get(ref[kind]["key"])
            if found is None:
                assert ref[kind].get("optional"), f"{item['name']}: {ref[kind]} does not exist"
                continue  # an optional key that is absent leaves the variable unset, as in Kubernetes
            values[item["name"]] = found
        return values


class RunningContainer:
    def __init__(self, name: str, container: dict, pod: dict, docker_id: str):
        self.name = name
        self.container = container
        self.pod = pod
        self.id = docker_id

    def state(self) -> dict:
        out = subprocess.run(["docker", "inspect", "--format", "{{json .State}}", self.id],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout)

    def exec(self, command: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run(["docker", "exec", self.id, *command], capture_output=True, text=True, timeout=30)

    def probe(self, kind: str = "readinessProbe") -> bool:
        """Run the container's probe once, as the kubelet does; True when it passes."""
        probe = self.container[kind]
        if "exec" in probe:
            return self.exec(probe["exec"]["command"]).returncode == 0
        ports = {p.get("name"): p["containerPort"] for p in self.container.get("ports", [])}
        if "httpGet" in probe:
            port = probe["httpGet"]["port"]
            port = ports[port] if isinstance(port, str) else port
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}{probe['httpGet'].get('path', '/')}", timeout=3)
            except httpx.HTTPError:
                return False
            return 200 <= answer.status_code < 400
        port = probe["tcpSocket"]["port"]
        port = ports[port] if isinstance(port, str) else port
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return True
        except OSError:
            return False

    def logs(self) -> str:
        out = subprocess.run(["docker", "logs", "--tail", "30", self.id], capture_output=True, text=True)
        return (out.stdout + out.stderr)[-4000:]

    def remove(self) -> None:
        subprocess.run(["docker", "rm", "-f", self.id], capture_output=True)


def docker_run_args(rendered: Rendered, pod: dict, container: dict, files: Path) -> list[str]:
    """The `docker run` arguments that start ``container`` of ``pod`` (a pod template's spec) as specified."""
    security = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
    args = ["--network", "host", "--pull", "never"]
    for service in rendered.services():
        args += ["--add-host", f"{service}:127.0.0.1"]
    if "runAsUser" in security:
        args += ["--user", f"{security['runAsUser']}:{security.get('runAsGroup', security['runAsUser'])}"]
    if "fsGroup" in pod.get("securityContext", {}):
        args += ["--group-add", str(pod["securityContext"]["fsGroup"])]
    if security.get("readOnlyRootFilesystem"):
        args.append("--read-only")
    for cap in security.get("capabilities", {}).get("drop", []):
        args += ["--cap-drop", cap]
    if security.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    limits = container.get("resources", {}).get("limits", {})
    if "memory" in limits:
        args += ["--memory", str(quantity(limits["memory"]))]
    if "cpu" in limits:
        cpu = str(limits["cpu"])
        args += ["--cpus", str(int(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu))]
    for name, value in rendered.env(container).items():
        args += ["--env", f"{name}={value}"]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "emptyDir" in volume:
            size = volume["emptyDir"].get("sizeLimit")
            if mount["mountPath"] == "/dev/shm":
                args += ["--shm-size", str(quantity(size or "64Mi"))]
            else:
                args += ["--tmpfs", f"{mount['mountPath']}:rw,mode=1777" + (f",size={quantity(size)}" if size else "")]
        elif "secret" in volume or "configMap" in volume:
            source = volume.get("secret") or volume["configMap"]
            data = (rendered.secrets[source["secretName"]] if "secret" in volume
                    else rendered.config_maps[source["name"]])
            folder = Path(tempfile.mkdtemp(dir=files))
            folder.chmod(0o755)
            items = source.get("items") or [{"key": k, "path": k} for k in data]
            for item in items:
                path = folder / item["path"]
                path.write_text(data[item["key"]])
                # The kubelet writes them with defaultMode (0644 unless set), group fsGroup.
                mode = item.get("mode", source.get("defaultMode", 0o644))
                os.chown(path, 0, pod.get("securityContext", {}).get("fsGroup", 0))
                path.chmod(mode)
            target = mount["mountPath"]
            if mount.get("subPath"):
                args += ["--volume", f"{folder / mount['subPath']}:{target}:ro"]
            else:
                args += ["--volume", f"{folder}:{target}:ro"]
        else:
            raise AssertionError(f"volume kind not run here: {volume}")
    if container.get("command"):
        args += ["--entrypoint", container["command"][0]]
    args.append(container["image"])
    if container.get("command"):
        args += container["command"][1:]
    args += container.get("args", [])
    return args


def start(rendered: Rendered, name: str, pod: dict, container: dict, files: Path) -> RunningContainer:
    docker_name = f"sdpod-{name}-{uuid.uuid4().hex[:6]}"
    out = subprocess.run(["docker", "run", "--detach", "--name", docker_name,
                          *docker_run_args(rendered, pod, container, files)], capture_output=True, text=True)
    assert out.returncode == 0, f"docker run of {name} failed: {out.stderr}"
    return RunningContainer(name, container, pod, out.stdout.strip())


def kubectl() -> str:
    local = Path(sys.executable).with_name("kubectl")
    return str(local) if local.exists() else shutil.which("kubectl") or "kubectl"


def kustomize(overlay: Path) -> Rendered:
    out = subprocess.run([kubectl(), "kustomize", str(overlay)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return Rendered([d for d in yaml.safe_load_all(out.stdout) if d])


@contextmanager
def stand_ins(db_host: str = "127.0.0.1", mq_host: str = "127.0.0.1"):
    """What the pods connect to, for this run only: PostgreSQL, RabbitMQ and Redis containers (the
    images compose uses) on free ports, an SMTP sink in this process and a private Dovecot. Yields
    their URLs (the database URL without its database), with the hosts given; removes them at the end."""
    from aiosmtpd.controller import Controller

    from common import imapserver

    pg, mq, dist, epmd, redis, management, smtp_port = free_ports(7)
    password = uuid.uuid4().hex
    tag = uuid.uuid4().hex[:6]
    runs = [
        ["--name", f"sdpod-pg-{tag}", "-e", f"POSTGRES_PASSWORD={password}", "-e", f"PGPORT={pg}",
         "-v", f"{ROOT / 'deploy/postgres-init.sql'}:/docker-entrypoint-initdb.d/10-databases.sql:ro",
         "--health-cmd", "pg_isready -U postgres -d inbound", "postgres:16"],
        ["--name", f"sdpod-mq-{tag}", "-e", "RABBITMQ_DEFAULT_USER=servicedesk", "-e",
         f"RABBITMQ_DEFAULT_PASS={password}", "-e", f"RABBITMQ_NODE_PORT={mq}", "-e", f"RABBITMQ_DIST_PORT={dist}",
         "-e", f"ERL_EPMD_PORT={epmd}", "-e", "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-rabbitmq_management tcp_config "
         f"[{{port,{management}}}]", "--health-cmd", "rabbitmq-diagnostics -q check_port_connectivity",
         "rabbitmq:3.13-management"],
        ["--name", f"sdpod-redis-{tag}", "redis:7", "redis-server", "--port", str(redis), "--bind", "127.0.0.1",
         "--save", ""],
    ]
    smtp = Controller(type("Sink", (), {"handle_DATA": lambda *a: _accept()})(), hostname="127.0.0.1",
                      port=smtp_port)
    smtp.start()
    ids = []
    try:
        with imapserver.running({"support": "imap-secret-1"}) as imap:
            for args in runs:
                out = subprocess.run(["docker", "run", "-d", "--network", "host", "--health-interval", "2s", *args],
                                     capture_output=True, text=True)
                assert out.returncode == 0, out.stderr
                ids.append(out.stdout.strip())
            for cid in ids[:2]:
                wait_for(lambda: subprocess.run(["docker", "inspect", "--format", "{{.State.Health.Status}}", cid],
                                                capture_output=True, text=True).stdout.strip() == "healthy",
                         timeout=120, what="the infrastructure containers to be healthy")
            yield {"db": f"postgresql://postgres:{password}@{db_host}:{pg}",
                   "amqp": f"amqp://servicedesk:{password}@{mq_host}:{mq}//",
                   "redis": f"redis://127.0.0.1:{redis}/0", "smtp": f"smtp://127.0.0.1:{smtp_port}",
                   "imap": imap.url("support")}
    finally:
        for cid in ids:
            subprocess.run(["docker", "rm", "-f", "-v", cid], capture_output=True)
        smtp.stop()


def run_every_container(rendered: Rendered, files: Path, expected: set[str], skip: set[str] = frozenset()) -> None:
    """Start the Jobs' containers together and wait for each to exit 0, then every Deployment's
    (but those in ``skip``) together: each must pass its readiness probe and keep running, and then
    its liveness probe. Every container started is removed at the end."""
    started = []
    try:
        # Independent of one another, as in a cluster: the Jobs together, then every Deployment.
        jobs = [(job["metadata"]["name"], job["spec"]["template"]["spec"], c)
                for job in rendered.workloads("Job") for c in job["spec"]["template"]["spec"]["containers"]]
        with ThreadPoolExecutor(8) as pool:
            # Appended as each starts, so that a failure to start one still removes the others.
            list(pool.map(lambda j: started.append(start(rendered, *j, files)), jobs))
            runs = list(started)
            codes = list(pool.map(lambda r: subprocess.run(["docker", "wait", r.id], capture_output=True,
                                                           text=True, timeout=180).stdout.strip(), runs))
        for run, code in zip(runs, codes):
            assert code == "0", f"{run.name} exited {code}:\n{run.logs()}"

        deployments = [d for d in rendered.workloads("Deployment") if d["metadata"]["name"] not in skip]
        ports = [p["containerPort"] for d in deployments for c in d["spec"]["template"]["spec"]["containers"]
                 for p in c.get("ports", [])]
        busy = [p for p in ports if _listening(p)]
        assert not busy, f"ports the pods listen on are taken on this machine: {busy}"
        specs = [(d["metadata"]["name"], d["spec"]["template"]["spec"], c)
                 for d in deployments for c in d["spec"]["template"]["spec"]["containers"]]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda spec: started.append(start(rendered, *spec, files)), specs))
        running = started[len(runs):]
        assert {r.name for r in running} >= expected, expected - {r.name for r in running}
        pending = list(running)
        began = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            while pending and time.monotonic() < began + 150:
                for run in pending:
                    assert run.state()["Running"], f"{run.name} stopped:\n{run.logs()}"
                ready = list(pool.map(lambda r: r.probe("readinessProbe"), pending))
                pending = [run for run, ok in zip(pending, ready) if not ok]
                time.sleep(1)
        assert not pending, "not ready: " + "; ".join(f"{r.name}:\n{r.logs()}" for r in pending)
        print(f"every container ready {time.monotonic() - began:.1f}s after they were started")
        time.sleep(3)
        for run in running:
            assert run.state()["Running"], f"{run.name} stopped after becoming ready:\n{run.logs()}"
            assert run.probe("livenessProbe"), run.name
    finally:
        for run in started:
            run.remove()


async def _accept():
    return "250 OK"


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False
