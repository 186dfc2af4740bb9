"""Self time per function of a py-spy ``--format raw`` profile (the leaf frame of each sample), and the
inclusive share of the frames given with ``--under``. ``python selftime.py profile.raw [N] [--filter S]``"""
import collections
import sys


def main() -> None:
    args = sys.argv[1:]
    filt = None
    if "--filter" in args:
        i = args.index("--filter")
        filt = args[i + 1]
        del args[i:i + 2]
    path, top = args[0], int(args[1]) if len(args) > 1 else 30
    leaf: collections.Counter = collections.Counter()
    total = 0
    for line in open(path):
        stack, _, count = line.rstrip().rpartition(" ")
        if filt and filt not in stack:
            continue
        n = int(count)
        total += n
        frame = stack.split(";")[-1]
        leaf[frame.split(" (")[0] + " " + frame.split("/")[-1]] += n
    print(f"{total} samples")
    for name, n in leaf.most_common(top):
        print(f"{100 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
