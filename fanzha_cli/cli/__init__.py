"""The ``fanzha`` command line, one module for each part of the officer's work; each command is one function, its
options, its ``--help`` and what it does together.

- ``app``: the Typer app, the global options (a Session), one line of error, the options several commands share;
- ``intake``: the morning import; ``stations``: the station list; ``desk``: the call queue, acts on a warning,
  show, list and the settings; ``day``: the day's summary and export; ``keys``: desk mode, a shift at one key
  per act; ``find``: a person calls back; ``stoppay``: stop-payment requests; ``db``: the database itself;
- ``render``: a warning's card and views, shared by the desk, desk mode and find; ``schemas``: the JSON shapes;
- ``process``: the console script around the app (argv, streams, exit code).

Each module registers its commands with ``app`` as it is imported, so the order below is the order of
`fanzha --help`. A command module imports ``fanzha_cli.cli.app`` (never this package), and another command module
only inside a function, or one imported before it here.
"""

# isort: off
from fanzha_cli.cli import intake, stations, desk, day, keys, find, stoppay, db  # noqa: F401  (the order of --help)

# isort: on
from fanzha_cli.cli.app import app
from fanzha_cli.cli.process import at_time_joined, build_only_the_command_asked_for, main

__all__ = ["app", "at_time_joined", "build_only_the_command_asked_for", "main"]
