"""Every name a module exports resolves: ``__all__`` and the lazy ``_EXPORTS`` tables (PEP 562 ``__getattr__``).

mypy cannot see through a lazy table, so a renamed function left under its old name there fails only when a
command imports it; this walks every module of the package instead.
"""

from __future__ import annotations

import importlib
import pkgutil

import musicgenre


def test_every_exported_name_resolves():
    unresolved = []
    for info in pkgutil.walk_packages(musicgenre.__path__, "musicgenre."):
        module = importlib.import_module(info.name)
        names = list(getattr(module, "__all__", ()))
        lazy = getattr(module, "_EXPORTS", None)
        names += list(lazy) if isinstance(lazy, dict) else []
        unresolved += [f"{info.name}.{name}" for name in names if not _resolves(module, name)]
    assert unresolved == []


def _resolves(module, name: str) -> bool:
    try:
        getattr(module, name)
    except (AttributeError, ImportError):
        return False
    return True
