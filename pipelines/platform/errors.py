"""The errors a person running cxbridge can fix, as opposed to bugs.

Every error that is about the user's input (a bad argument, a missing file or folder, a config
file or variable that cannot be used, a feed file that cannot be read, a warehouse not built
yet, too little history to train on …) derives from :class:`UserError`, whatever else it is
(a ``ValueError``, a ``KeyError``, a ``FileNotFoundError``, so that code catching those still
does). Its message says what is wrong and what to do: the command line prints it as one line,
without a traceback, and exits with status 1.

Any other exception is a bug in cxbridge, even a bare ``KeyError`` or ``ValueError``: the command
line shows its traceback and asks for it to be reported (:mod:`cxbridge.app.errors`). Code that
checks the user's input therefore raises a :class:`UserError` (one of its subclasses), never a
plain ``ValueError``.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; the message (one sentence or two) says what and how."""

    def __str__(self) -> str:
        # the message as it was given, also for a KeyError or an OSError subclass (whose own
        # str() would quote it or expect an errno)
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


class PathNotFoundError(UserError, FileNotFoundError):
    """A file or folder the user named (or the settings name) that does not exist."""
