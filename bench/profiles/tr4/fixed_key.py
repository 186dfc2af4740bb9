"""Run a script of a tree with ``common.testing``'s signing key read from a file instead of generated: an
RSA key's generation takes a varying number of instructions (its random primes), which made
``instructions.sh``'s counts of the same run differ by hundreds of millions.

``python bench/profiles/tr4/fixed_key.py KEY_PEM TREE SCRIPT [ARGS...]`` (KEY_PEM is written once if absent)."""
import runpy
import sys
from pathlib import Path

key, tree, script = Path(sys.argv[1]), Path(sys.argv[2]).resolve(), sys.argv[3]
sys.path[:0] = [str(tree), str(tree / "services/tickets"), str(tree / "libs/common")]
from common import auth, testing  # noqa: E402

if not key.exists():
    key.write_bytes(auth.generate_private_key_pem())
pem = key.read_bytes()
testing.generate_private_key_pem = lambda: pem
sys.argv = [script, *sys.argv[4:]]
runpy.run_path(script, run_name="__main__")
