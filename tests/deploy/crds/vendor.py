"""Write one operator CRD's schema here, trimmed, from a checkout of the operator's repository.

``python tests/deploy/crds/vendor.py CHECKOUT REPOSITORY PATH KIND LICENCE [NOTICE]`` reads ``PATH`` (a
CustomResourceDefinition) at the HEAD of ``CHECKOUT``, a clone of ``REPOSITORY``, and writes
``tests/deploy/crds/<KIND>.yaml``: the ``openAPIV3Schema`` of the version the CRD stores, without
``description`` texts and without ``status`` (a manifest never sets it), under a header naming the
repository, path, commit and licence (and the text of the repository's ``NOTICE`` file, when it has one:
Apache-2.0 asks to keep it). Nothing else is changed, so the
check in test_overlays.py is the operator's own schema. Run by hand when an operator version moves.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
# The notice a licence asks to keep with each file (MPL-2.0, Exhibit A).
NOTICES = {"MPL-2.0": ["# This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0. If a",
                       "# copy of the MPL was not distributed with this file, You can obtain one at",
                       "# https://mozilla.org/MPL/2.0/."]}


def strip_descriptions(node):
    if isinstance(node, dict):
        # A property may itself be called "description"; only drop the keyword (a string).
        return {k: strip_descriptions(v) for k, v in node.items() if not (k == "description" and isinstance(v, str))}
    if isinstance(node, list):
        return [strip_descriptions(v) for v in node]
    return node


def main(checkout: str, repository: str, path: str, kind: str, licence: str, notice: str | None = None) -> None:
    git = ["git", "-C", checkout]
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    crd = yaml.safe_load(subprocess.run([*git, "show", f"HEAD:{path}"], capture_output=True, text=True,
                                        check=True).stdout)
    assert crd["kind"] == "CustomResourceDefinition" and crd["spec"]["names"]["kind"] == kind, path
    version = next(v for v in crd["spec"]["versions"] if v.get("storage"))
    schema = strip_descriptions(version["schema"]["openAPIV3Schema"])
    schema["properties"].pop("status", None)
    header = [
        f"# {kind} ({crd['spec']['group']}/{version['name']}): the openAPIV3Schema of the operator's CRD.",
        f"# Source: {repository}, {path}, commit {commit}.",
        f"# Licence: {licence}, as the source repository (this file is a trimmed copy of that file).",
        "# Trimmed by tests/deploy/crds/vendor.py: description texts and status removed, nothing else.",
        *NOTICES.get(licence, []),
    ]
    if notice:
        text = subprocess.run([*git, "show", f"HEAD:{notice}"], capture_output=True, text=True, check=True).stdout
        header += [f"# {notice} of the source repository:"]
        header += [f"#   {line}".rstrip() for line in text.strip().splitlines()]
    body = {"apiVersion": f"{crd['spec']['group']}/{version['name']}", "kind": kind, "openAPIV3Schema": schema}
    out = HERE / f"{kind}.yaml"
    out.write_text("\n".join(header) + "\n" + yaml.safe_dump(body, sort_keys=False, width=120))
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main(*sys.argv[1:])
