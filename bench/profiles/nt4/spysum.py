"""Inclusive share of each frame in a py-spy ``--format raw`` profile: ``spysum.py FILE [TOP] [FILTER]``."""
import re
import sys
from collections import Counter

path = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
only = sys.argv[3] if len(sys.argv) > 3 else None
total, inclusive, threads = 0, Counter(), Counter()
for line in open(path):
    stack, _, n = line.rstrip("\n").rpartition(" ")
    n = int(n)
    frames = stack.split(";")
    if only and not any(only in f for f in frames):
        continue
    total += n
    names = {re.sub(r" \(.*?:\d+\)$", "", f) for f in frames}
    for name in names:
        inclusive[name] += n
    threads[frames[0].split(" ")[0]] += n
print(f"{total} samples")
for name, n in inclusive.most_common(top):
    print(f"{100 * n / total:5.1f}% {n:5d} {name}")
