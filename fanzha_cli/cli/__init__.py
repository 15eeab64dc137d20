"""The ``fanzha`` command line, one module for each part of the officer's work; each command is one function, its
options, its ``--help`` and what it does together.

- ``application``: the Typer app, the global options (a Session), one line of error, the options commands share;
- ``intake``: the morning import; ``stations``: the station list; ``desk``: the call queue, acts on a warning,
  show, list and the settings; ``day``: the day's summary and export; ``keys``: desk mode, a shift at one key
  per act; ``find``: a person calls back; ``stoppay``: stop-payment requests; ``db``: the database itself;
- ``render``: a warning's card and views, shared by the desk, desk mode and find; ``schemas``: the JSON shapes;
- ``process``: the console script around the app (argv, streams, exit code).

Each module registers its commands with the app as it is imported. The console script imports only the module
of the command it was asked for (`next` and `log` load neither `import`'s nor the day's report's code); `--help`,
completion, an unknown word and ``from fanzha_cli.cli import app`` load them all, in the order of
`fanzha --help` (process.MODULES). A command module imports ``fanzha_cli.cli.application`` (never this package), and
another command module only inside a function, or one before it in process.MODULES.
"""

from __future__ import annotations


def __getattr__(name: str):
    """``app`` with every command; ``main`` and the argv helpers of the console script."""
    if name not in ("app", "main", "at_time_joined", "build_only_the_command_asked_for", "register"):
        raise AttributeError(f"module 'fanzha_cli.cli' has no attribute {name!r}")
    import importlib

    process = importlib.import_module("fanzha_cli.cli.process")  # not `from . import`: that asks this again
    if name == "app":
        process.register()
        return process.app
    return getattr(process, name)
