"""Summarise a py-spy ``--format raw`` profile: share of samples per function (inclusive) and idle share.

``python bench/profiles/topstacks.py profile.raw [N]``
"""
import collections
import sys


def main(path: str, top: int = 25) -> None:
    inclusive: collections.Counter = collections.Counter()
    total = 0
    for line in open(path):
        stack, _, count = line.rstrip().rpartition(" ")
        n = int(count)
        total += n
        seen = set()
        for frame in stack.split(";"):
            name = frame.split(" (")[0] + " (" + frame.split(" (")[-1].split(":")[0].split("/")[-1] + ")" if " (" in frame else frame
            if name not in seen:
                seen.add(name)
                inclusive[name] += n
    print(f"{total} samples")
    for name, n in inclusive.most_common(top):
        print(f"{100 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25)
