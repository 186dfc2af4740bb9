"""The least CPU per request of each scenario and tree over the rounds of ``ab.sh``'s output, and after/before."""
import re
import sys
from collections import defaultdict

best = defaultdict(dict)
trees = []
tree = None
for line in open(sys.argv[1]):
    m = re.match(r"== round \d+ (\S+)", line)
    if m:
        tree = m.group(1)
        if tree not in trees:
            trees.append(tree)
        continue
    m = re.match(r"(\w+)\s+cpu\s+([\d.]+) ms/request.*sql (\S+).*bytes(.*)", line)
    if m:
        name, cpu = m.group(1), float(m.group(2))
        assert "DIFFERENT" not in m.group(4), line
        old = best[name].get(tree)
        best[name][tree] = (min(old[0], cpu) if old else cpu, m.group(3))
before, after = trees[0], trees[-1]
print(f"| scenario | before ms | after ms | after/before | SQL before | SQL after |\n|---|---|---|---|---|---|")
for name, by in best.items():
    b, a = by[before], by[after]
    print(f"| {name} | {b[0]:.2f} | {a[0]:.2f} | {a[0] / b[0]:.2f} | {b[1]} | {a[1]} |")
