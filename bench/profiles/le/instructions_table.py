"""``instructions.sh``'s output as a table: millions of instructions per request per tree (in the order the
trees were given, repeated trees as rounds), and the last tree over the first."""
import sys
from collections import defaultdict

runs = defaultdict(lambda: defaultdict(dict))
trees = []
for line in open(sys.argv[1]):
    tree, scenario, n, ir = line.split()
    if tree not in trees:
        trees.append(tree)
    runs[scenario][tree].setdefault(int(n), []).append(int(ir))
print("| scenario | " + " | ".join(trees) + " | last/first |\n|---|" + "---|" * (len(trees) + 1))
for scenario, by in runs.items():
    per = {}
    for tree, counts in by.items():
        (n1, low), (n2, high) = sorted(counts.items())
        per[tree] = [(h - l) / (n2 - n1) / 1e6 for l, h in zip(low, high)]
    cells = [", ".join(f"{v:.2f}" for v in per[t]) for t in trees]
    ratio = min(per[trees[-1]]) / min(per[trees[0]])
    print(f"| {scenario} | " + " | ".join(cells) + f" | {ratio:.3f} |")
