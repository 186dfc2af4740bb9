"""docs/deploy.md against the files it describes: the paths it names exist, every variable the
compose files read is explained, the scripts' commands it shows exist, and its scaling advice
quotes no figure (those come from make bench, in docs/scaling.md)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "deploy.md").read_text()
TOP_LEVEL = ("deploy", "docs", "tests", "scripts", "k8s", "services", "libs", "bench")


def named_paths() -> list[str]:
    paths = set()
    bare = r"(?:^|[\s(])((?:%s)/[\w./<>-]+)" % "|".join(TOP_LEVEL)
    for quoted in re.findall(r"`([^`\s]+)`", GUIDE) + re.findall(bare, GUIDE, re.M):
        if quoted.split("/", 1)[0] in TOP_LEVEL and "secrets" not in quoted.split("/"):  # local only
            paths.add(quoted.rstrip(".,:;)"))
    return sorted(paths)


@pytest.mark.parametrize("path", named_paths())
def test_every_path_the_guide_names_exists(path):
    assert list(ROOT.glob(re.sub(r"<[^>]+>", "*", path))), f"docs/deploy.md names {path}, which does not exist"


def compose_variables() -> set[str]:
    names = set()
    for name in ("docker-compose.yml", "docker-compose.host.yml"):
        names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / name).read_text()))
    return names


@pytest.mark.parametrize("name", sorted(compose_variables()))
def test_every_compose_variable_is_explained(name):
    patterns = {f"`{name}`"}
    for family in ("PORT", "DATABASE"):
        if name.startswith("SD_") and name.endswith(f"_{family}"):
            patterns.add(f"`SD_*_{family}`")
    assert any(p in GUIDE for p in patterns), f"{name} (read by the compose files) is not in docs/deploy.md"


def test_the_image_script_has_the_commands_the_guide_shows():
    shown = set(re.findall(r"python scripts/images\.py (\w+)", GUIDE))
    assert shown
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "images.py"), "--help"], capture_output=True,
                         text=True, timeout=60)
    for command in shown:
        assert command in out.stdout, (command, out.stdout)


def test_the_scaling_advice_points_to_measurements_and_quotes_none():
    section = GUIDE.split("## What to scale for which load", 1)[1].split("\n## ", 1)[0]
    assert "docs/scaling.md" in section and "make bench" in section
    # Settings and replica bounds are facts of the files; a throughput or latency figure is not.
    assert not re.search(r"\d+(\.\d+)?\s*(/s|per second|ms\b|requests|emails/s)", section), section
