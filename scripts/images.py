"""Build every container image the compose file and the Kubernetes manifests use, each once.

    python scripts/images.py build [--pull] [NAME ...]   build what is missing or out of date
    python scripts/images.py list                        the images, their tags and size bounds

Service images are built from their Dockerfiles. The images those files and docker-compose.yml
name from a registry (``python:3.11-slim``, ``postgres:16``, ``rabbitmq:3.13-management``,
``redis:7``, ``axllent/mailpit:...``) are pulled with ``--pull``; by default, since these
machines reach no image registry, they are built locally from Debian packages (the base with
mmdebstrap, the others from ``deploy/images/<name>/Dockerfile`` on top of it) and tagged under
the public names, so the files users run stay unchanged.

The service images' build stages start from one builder image, ``servicedesk-local/wheels``
(deploy/images/wheels): the wheels of all services' dependencies, resolved and fetched once, so
each service installs offline. Builds that do not depend on each other run side by side
(``--jobs``, default 3): the stand-ins and the wheels once the base is there, each service once the
wheels are.

Each image carries the hash of its inputs (files, recipe, the image it starts from) as the label
``io.servicedesk.inputs``; an image whose label matches is not built again. Every image's size is
printed and checked against its bound in IMAGES; one over its bound fails the build.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WHEELS_TAG = "servicedesk-local/wheels:dev"
PACKAGES = ("libs/common", "services/identity", "services/tickets", "services/notifier", "services/inbound",
            "services/gateway")
# What each kind of image is built on (the base is built from nothing).
NEEDS = {"base": (), "standin": ("base",), "wheels": ("base",), "service": ("wheels",)}
LABEL = "io.servicedesk.inputs"
CACHE = ROOT / "var" / "images"
MiB = 1024 * 1024

# Debian packages of the local stand-in for python:3.11-slim (bookworm's Python is 3.11).
BASE_PACKAGES = ["python3", "python3-venv", "python-is-python3", "ca-certificates"]
# Left out of every image: documentation, manual pages and translations (about 50 MB); and the
# usrmerge package (and with it perl), by letting mmdebstrap's hook merge /usr instead.
MMDEBSTRAP_OPTIONS = [
    "--variant=minbase", "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
    "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    "--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/locale/*",
    "--dpkgopt=path-exclude=/usr/share/info/*",
]
DEBIAN_SOURCES = [
    "deb http://deb.debian.org/debian bookworm main",
    "deb http://deb.debian.org/debian bookworm-updates main",
    "deb http://deb.debian.org/debian-security bookworm-security main",
]
CA_DIR = Path("/usr/local/share/ca-certificates")


@dataclass(frozen=True)
class Image:
    name: str            # short name used on the command line
    tag: str             # what the compose file and the manifests call it
    max_mib: int         # the size bound checked after each build
    kind: str            # "base" (mmdebstrap), "standin" (deploy/images/<name>), "wheels", "service"
    inputs: tuple[str, ...] = field(default=())  # paths whose contents key the build


def compose_images() -> dict[str, str]:
    """Image names of docker-compose.yml's services, by service name."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return {name: svc["image"] for name, svc in services.items() if "image" in svc}


def images() -> list[Image]:
    """Every image in build order: the base, the wheels, the stand-ins, then the services."""
    named = compose_images()
    result = [Image("python", "python:3.11-slim", 160, "base")]
    # The builder of the services' dependency wheels, first after the base since every service
    # waits for it; never deployed, bounded all the same.
    result.append(Image("wheels", WHEELS_TAG, 330, "wheels",
                        ("deploy/images/wheels", *(f"{p}/pyproject.toml" for p in PACKAGES))))
    for name, service in (("postgres", "postgres"), ("rabbitmq", "rabbitmq"), ("redis", "redis"),
                          ("mailpit", "mailpit")):
        # Debian's PostgreSQL brings LLVM (its JIT) and perl, as the official image does.
        bound = {"postgres": 520, "rabbitmq": 260, "redis": 170, "mailpit": 180}[name]
        result.append(Image(name, named[service], bound, "standin", (f"deploy/images/{name}",)))
    for svc in ("identity", "tickets", "notifier", "inbound", "gateway"):
        tag = next(tag for tag in named.values() if tag.startswith(f"servicedesk-{svc}:"))
        bound = {"tickets": 360}.get(svc, 330)
        result.append(Image(svc, tag, bound, "service",
                            (f"services/{svc}", "libs/common", "deploy/probe.py")))
    return result


DOCKERD_ARGS = ["--storage-driver", "overlay2", "--bridge=none", "--iptables=false", "--ip6tables=false",
                "--ip-forward=false", "--ip-masq=false"]


def ensure_engine(timeout: float = 30) -> None:
    """Start the Docker engine when none answers (root only; host networking only, no bridge)."""
    if subprocess.run(["docker", "info"], capture_output=True).returncode == 0:
        return
    dockerd = shutil.which("dockerd")
    if not dockerd or os.geteuid() != 0:
        sys.exit("no Docker engine answers and none can be started here (needs root and docker.io; "
                 "scripts/prerequisites.sh installs it)")
    log = ROOT / "var" / "log" / "dockerd.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    # No systemd on these machines: the daemon runs in the background, in its own session so
    # that it outlives the command that started it.
    subprocess.Popen([dockerd, *DOCKERD_ARGS], stdout=log.open("ab"), stderr=subprocess.STDOUT,
                     stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["docker", "info"], capture_output=True).returncode == 0:
            return
        time.sleep(0.5)
    sys.exit(f"dockerd did not answer within {timeout:.0f}s; see {log}")


def docker(*args: str, capture: bool = True, check: bool = True, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    return subprocess.run(["docker", *args], capture_output=capture, text=True, check=check, env=env, **kw)


def docker_build(*args: str) -> None:
    """``docker build``, quiet unless it fails: then the end of its output says why (builds run side
    by side, so their progress is not interleaved on the terminal)."""
    out = docker("build", "--network", "host", "--pull=false", *args, check=False)
    if out.returncode:
        tail = "\n".join((out.stdout + out.stderr).splitlines()[-40:])
        print(f"docker build {' '.join(args)} failed:\n{tail}", file=sys.stderr, flush=True)
        raise subprocess.CalledProcessError(out.returncode, ["docker", "build", *args])


def image_label(tag: str) -> str | None:
    """The inputs label of a local image, or None when there is no such image."""
    out = docker("image", "inspect", "--format", "{{json .Config.Labels}}", tag, check=False)
    if out.returncode:
        return None
    return (json.loads(out.stdout) or {}).get(LABEL, "")


def image_id(tag: str) -> str:
    return docker("image", "inspect", "--format", "{{.Id}}", tag).stdout.strip()


def image_size(tag: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip())


def ignored(rel: str, patterns: list[str]) -> bool:
    parts = rel.split("/")
    for pattern in patterns:
        bare = pattern.rstrip("/").removeprefix("**/")
        if fnmatch.fnmatch(rel, bare) or any(fnmatch.fnmatch(part, bare) for part in parts):
            return True
    return False


def hash_inputs(paths: tuple[str, ...], *extra: str) -> str:
    """SHA-256 over the files under ``paths`` (minus .dockerignore's patterns) and ``extra``."""
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")] + ["*.pyc", ".pytest_cache", ".hypothesis"]
    digest = hashlib.sha256()
    for item in extra:
        digest.update(item.encode() + b"\0")
    for top in paths:
        base = ROOT / top
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in files:
            rel = path.relative_to(ROOT).as_posix()
            if ignored(rel, patterns):
                continue
            digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def build_base(image: Image) -> None:
    """mmdebstrap a bookworm root filesystem, import it, add the machine's CAs and a virtualenv."""
    recipe = hash_inputs(("deploy/images/python",), *BASE_PACKAGES, *DEBIAN_SOURCES, *MMDEBSTRAP_OPTIONS,
                         *(p.read_text() for p in sorted(CA_DIR.glob("*.crt"))))
    if image_label(image.tag) == recipe:
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    rootfs_key = hashlib.sha256("\n".join(BASE_PACKAGES + DEBIAN_SOURCES + MMDEBSTRAP_OPTIONS).encode()).hexdigest()[:16]
    tar = CACHE / f"bookworm-python-{rootfs_key}.tar"
    if not tar.exists():
        if not shutil.which("mmdebstrap"):
            sys.exit("building the base image needs mmdebstrap (scripts/prerequisites.sh installs it)")
        print(f"  mmdebstrap bookworm ({', '.join(BASE_PACKAGES)})", flush=True)
        partial = tar.with_name(tar.stem + ".partial.tar")  # mmdebstrap picks the format by suffix
        subprocess.run(["mmdebstrap", "--quiet", *MMDEBSTRAP_OPTIONS, "--include=" + ",".join(BASE_PACKAGES),
                        "bookworm", str(partial), *DEBIAN_SOURCES], check=True)
        partial.rename(tar)
    rootfs_tag = f"servicedesk-local/bookworm-python-rootfs:{rootfs_key}"
    if image_label(rootfs_tag) is None:
        docker("import", str(tar), rootfs_tag)
    with tempfile.TemporaryDirectory() as tmp:
        context = Path(tmp)
        shutil.copy(ROOT / "deploy/images/python/Dockerfile", context / "Dockerfile")
        (context / "ca").mkdir()
        for crt in CA_DIR.glob("*.crt"):
            shutil.copy(crt, context / "ca" / crt.name)
        docker_build("--build-arg", f"ROOTFS={rootfs_tag}", "--label", f"{LABEL}={recipe}", "-t", image.tag,
                     str(context))


def build_from_dockerfile(image: Image, dockerfile: Path, context: Path, *build_args: str) -> None:
    """Build unless the image's label matches its inputs: files, recipe, the images it starts from."""
    starts_from = [image_id("python:3.11-slim")] + ([image_id(WHEELS_TAG)] if build_args else [])
    key = hash_inputs(image.inputs, dockerfile.read_text(), *starts_from)
    if image_label(image.tag) == key:
        return
    args = [arg for build_arg in build_args for arg in ("--build-arg", build_arg)]
    docker_build("--label", f"{LABEL}={key}", *args, "-f", str(dockerfile), "-t", image.tag, str(context))


def build(image: Image, pull: bool) -> None:
    if pull and image.kind in ("base", "standin"):
        docker("pull", "--quiet", image.tag, capture=False)
    elif image.kind == "base":
        build_base(image)
    elif image.kind == "standin":
        folder = ROOT / "deploy" / "images" / image.name
        build_from_dockerfile(image, folder / "Dockerfile", folder)
    elif image.kind == "wheels":
        build_from_dockerfile(image, ROOT / "deploy" / "images" / "wheels" / "Dockerfile", ROOT)
    else:
        build_from_dockerfile(image, ROOT / "services" / image.name / "Dockerfile", ROOT,
                              f"WHEELS={WHEELS_TAG}")


def build_all(names: list[str], pull: bool = False, jobs: int = 3):
    """Build the named images (all when empty) and the wheels the named services need.

    Yields (image, size in bytes, seconds) as each is done. Up to ``jobs`` builds run at once, each
    started as soon as the images it is built on are ready; the first failure stops the rest.
    """
    ensure_engine()
    every = images()
    wanted = [i for i in every if not names or i.name in names]
    if any(i.kind == "service" for i in wanted) and not any(i.kind == "wheels" for i in wanted):
        wanted.insert(0, next(i for i in every if i.kind == "wheels"))
    kinds = {i.kind for i in wanted}
    pending = list(wanted)
    done_kinds: dict[str, int] = {}  # kind -> images of that kind still to build
    for image in wanted:
        done_kinds[image.kind] = done_kinds.get(image.kind, 0) + 1

    def ready(image: Image) -> bool:
        return all(need not in kinds or done_kinds[need] == 0 for need in NEEDS[image.kind])

    def timed(image: Image) -> tuple[Image, int, float]:
        started = time.monotonic()
        build(image, pull)
        return image, image_size(image.tag), time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        running: set[concurrent.futures.Future] = set()
        while pending or running:
            for image in [i for i in pending if ready(i)]:
                pending.remove(image)
                running.add(pool.submit(timed, image))
            finished, running = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in finished:
                try:
                    result = future.result()
                except BaseException:
                    pending.clear()
                    for other in running:
                        other.cancel()
                    raise
                done_kinds[result[0].kind] -= 1
                yield result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--pull", action="store_true", help="pull the public images instead of building stand-ins")
    b.add_argument("--jobs", type=int, default=3, help="builds run at once (default 3)")
    b.add_argument("names", nargs="*")
    sub.add_parser("list")
    args = parser.parse_args(argv)
    if args.command == "list":
        for image in images():
            print(f"{image.name:10} {image.tag:36} <= {image.max_mib} MiB  ({image.kind})")
        return 0
    over = []
    started = time.monotonic()
    for image, size, seconds in build_all(args.names, args.pull, args.jobs):
        verdict = "ok" if size <= image.max_mib * MiB else "OVER"
        print(f"{image.tag:36} {size / MiB:7.1f} MiB (bound {image.max_mib} MiB) {verdict}  {seconds:5.1f}s",
              flush=True)
        if verdict != "ok":
            over.append(image.tag)
    print(f"built in {time.monotonic() - started:.1f}s", flush=True)
    if over:
        print("images over their size bound: " + ", ".join(over), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
