"""``python -m sim [--port P] [--day D] [--seed S]``: serve the simulated web until Ctrl-C."""

from __future__ import annotations

import argparse

from sim.model import DEFAULT_BASE_PORT
from sim.server import serve_forever


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve the four sites."""
    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_BASE_PORT, help="port of govcn; the others follow")
    parser.add_argument("--day", type=int, default=0, help="sim day to start on")
    parser.add_argument("--seed", type=int, default=42, help="scenario seed")
    args = parser.parse_args(argv)
    serve_forever(args.port, args.day, args.seed)


if __name__ == "__main__":
    main()
