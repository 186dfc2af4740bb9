"""Create the access-token signing key for local runs (never used outside ``make run``/``run-stack``)."""
from __future__ import annotations

import os
from pathlib import Path

from common.auth import generate_private_key_pem, public_key_pem


def ensure_keys(folder: Path) -> tuple[Path, Path]:
    """Return (private, public) PEM paths under ``folder``, generating the pair on first use."""
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / "jwt-private.pem", folder / "jwt-public.pem"
    if not private.exists():
        pem = generate_private_key_pem()
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        public.write_bytes(public_key_pem(pem))
    return private, public
