"""``python -m cxbridge.dashboards [--host H] [--port P] [--debug]``: serve the dashboard."""

from __future__ import annotations

import argparse
import sys

from cxbridge.dashboards.app import serve
from cxbridge.dashboards.auth import DashboardConfigError
from cxbridge.platform.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m cxbridge.dashboards", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--debug", action="store_true", help="Dash dev tools and reloading")
    args = parser.parse_args(argv)
    try:
        serve(load_settings(), host=args.host, port=args.port, debug=args.debug)
    except DashboardConfigError as exc:
        print(f"cxbridge dashboard: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
