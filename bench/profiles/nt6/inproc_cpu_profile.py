"""notifier3_inproc.py with cProfile timed by process CPU (not wall), so waits on PostgreSQL drop out.

``TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5433/postgres PYTHONPATH=<tree>/services/notifier \
  .venv/bin/python bench/profiles/nt6/inproc_cpu_profile.py --events 400 --profile``
"""
import cProfile
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
_Profile = cProfile.Profile
cProfile.Profile = lambda: _Profile(time.process_time)
import notifier3_inproc  # noqa: E402

if __name__ == "__main__":
    notifier3_inproc.main()
