"""A click group whose sub-commands load only when used: ``musicgenre`` itself and ``musicgenre experiment``.

Each sub-command is a module of this package exposing ``command``; the group knows them from a fixed table
(``name -> (module, one-line help)``) written in the code, never from data, so ``--help`` imports no torch.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping
from typing import Any

import click


class LazyGroup(click.Group):
    """Sub-commands from ``commands`` (name -> (module in this package, one-line help)), each module imported only
    when its command runs or its own help is asked; a name whose module is not installed is not offered."""

    def __init__(self, *args: Any, commands: Mapping[str, tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (module, _) in self.lazy_commands.items() if _module_exists(module)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.lazy_commands or not _module_exists(self.lazy_commands[name][0]):
            return None
        return importlib.import_module(f"{__package__}.{self.lazy_commands[name][0]}").command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy_commands[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _module_exists(module: str) -> bool:
    return importlib.util.find_spec(f"{__package__}.{module}") is not None
