"""``python -m cxbridge.dashboards [--host H] [--port P] [--certfile C --keyfile K] [--debug]``:
serve the dashboard (as ``cxbridge serve`` does)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cxbridge.dashboards.app import serve
from cxbridge.platform.errors import UserError
from cxbridge.platform.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m cxbridge.dashboards", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--certfile", type=Path, help="PEM certificate: serve HTTPS")
    parser.add_argument("--keyfile", type=Path, help="PEM private key of --certfile")
    parser.add_argument("--debug", action="store_true", help="Dash dev tools and reloading")
    args = parser.parse_args(argv)
    try:
        serve(load_settings(), host=args.host, port=args.port, debug=args.debug,
              certfile=args.certfile, keyfile=args.keyfile)
    except UserError as exc:
        print(f"cxbridge dashboard: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
