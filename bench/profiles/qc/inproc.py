"""``readfast2_inproc.py`` on a database of this branch's own name (``qc_rf2inproc_tickets``), so it
does not meet another person's copy on the shared server. Same arguments; ``TREE`` (env) picks the
tree whose code runs (default: the one this file is in).

``TREE=/tmp/qc-before .venv/bin/python bench/profiles/qc/inproc.py --snapshot /tmp/qc/rf.dump ...``
"""
import os
import runpy
import sys
from pathlib import Path

tree = Path(os.environ.get("TREE") or Path(__file__).resolve().parents[3])
script = tree / "bench/profiles/readfast2_inproc.py"
sys.argv[0] = str(script)
sys.path.insert(0, str(script.parent))
import readfast2_inproc  # noqa: E402

readfast2_inproc.DB = "qc_rf2inproc_tickets"
sys.exit(readfast2_inproc.main())
