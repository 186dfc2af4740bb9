"""``instructions.sh``'s output as a table: millions of instructions per request per tree, and after/before."""
import sys
from collections import defaultdict

start, runs, trees = {}, defaultdict(dict), []
for line in open(sys.argv[1]):
    tree, scenario, n, ir = line.split()
    if tree not in trees:
        trees.append(tree)
    if scenario == "none":
        start[tree] = int(ir)
    else:
        runs[scenario][tree] = (int(n), int(ir))
before, after = trees[0], trees[-1]
print("| scenario | before (M instr/request) | after | after/before |\n|---|---|---|---|")
for scenario, by in runs.items():
    per = {t: (ir - start[t]) / (n + 6) / 1e6 for t, (n, ir) in by.items()}
    print(f"| {scenario} | {per[before]:.2f} | {per[after]:.2f} | {per[after] / per[before]:.2f} |")
