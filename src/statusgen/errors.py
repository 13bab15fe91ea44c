"""The one exception tree of statusgen.

Content problems are never raised: they are :class:`~statusgen.problems.Problem` values.
Exceptions are for a run that cannot go on at all::

    StatusgenError (click.ClickException, exit code 1)
     ├── UsageError        exit 2: the command was asked something it cannot do
     │    └── NotASiteError       the root has no statusgen.yml
     └── ProblemsFound     exit 1: validation failed; the problems were already printed

Each carries a message a user can act on; the CLI shows it without a traceback.
"""

from __future__ import annotations

import click

__all__ = ["StatusgenError", "UsageError", "NotASiteError", "ProblemsFound"]


class StatusgenError(click.ClickException):
    exit_code = 1


class UsageError(StatusgenError):
    exit_code = 2


class NotASiteError(UsageError):
    pass


class ProblemsFound(StatusgenError):
    def show(self, file: object = None) -> None:
        # The problems and the summary are already printed; say nothing more.
        return None
