"""Read (hash, parse, check) one large file in a separate Python process.

Parsing JSON lines works object by object in Python and holds the interpreter lock; done on a
thread beside the loads it starves them for its whole length (for the service inventory at
scale 1, several seconds). In a process of its own it takes another core and nothing else.
The parent runs ``python -m cxbridge.platform.ingest.reader_process SOURCE PATH OUT [SHA]``: the
child writes the :class:`~cxbridge.platform.ingest.loader.PreparedFile` (polars frames and all) as a
pickle to OUT, a file in a temporary folder of the parent's making, which the parent reads back.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

from cxbridge.platform.ingest.base import Source


def prepare_in_process(source: Source, path: Path, registered_sha: str | None):
    """:func:`~cxbridge.platform.ingest.loader.prepare_file` for one file, run in a child
    process."""
    with tempfile.TemporaryDirectory(prefix="cxbridge-read-") as folder:
        out = Path(folder) / "prepared.pickle"
        command = [sys.executable, "-m", "cxbridge.platform.ingest.reader_process", source.name,
                   str(path), str(out), *([registered_sha] if registered_sha else [])]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"reading {path} in a separate process failed "
                               f"(exit {done.returncode}): {done.stderr.strip()[-2000:]}")
        with out.open("rb") as handle:
            return pickle.load(handle)  # written just now by our own child, in our folder


def main(argv: list[str]) -> None:
    from cxbridge.platform.ingest import source
    from cxbridge.platform.ingest.loader import prepare_file

    name, path, out = argv[:3]
    registered = {(name, str(Path(path).resolve())): argv[3]} if len(argv) > 3 else None
    prepared = prepare_file(source(name), Path(path), registered)
    with open(out, "wb") as handle:
        pickle.dump(prepared, handle, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main(sys.argv[1:])
