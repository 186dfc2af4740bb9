"""Share of a py-spy ``--gil --format raw`` profile's request samples (under ``Flask.__call__``) per function,
inclusive, for the functions named: ``shares.py PROFILE.raw [NAME ...]``."""
import collections
import sys

NAMES = ("create_request", "Prepared.run", "UnitOfWork.__enter__", "TicketRepository.add", "publish",
         "UnitOfWork.committing", "UnitOfWork.__exit__", "Session.connection", "Session.commit",
         "ConnectionSession.connection", "ConnectionSession.commit", "namedtuple_row", "customer_request")


def main(path: str, names) -> None:
    inclusive: collections.Counter = collections.Counter()
    total = 0
    for line in open(path):
        stack, _, count = line.rstrip().rpartition(" ")
        if "Flask.__call__" not in stack:
            continue
        total += int(count)
        for name in {frame.split(" (")[0] for frame in stack.split(";")}:
            inclusive[name] += int(count)
    print(f"{total} request samples")
    for name in names:
        print(f"{100 * inclusive[name] / total:5.1f}%  {name}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:] or NAMES)
