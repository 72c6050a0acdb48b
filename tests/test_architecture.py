"""The layer diagram on the docs site is the one the code gives (tools/layer_diagram.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("layer_diagram", ROOT / "tools" / "layer_diagram.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_architecture_page_shows_the_layers_and_imports_of_the_code():
    tool = _tool()
    page = (ROOT / "docs" / "architecture.md").read_text()
    assert tool.page_with(tool.diagram(), page) == page, "run: python tools/layer_diagram.py --write"


def test_every_package_is_on_one_row_and_every_arrow_points_down():
    tool = _tool()
    rows = tool.layer_rows()
    row_of = {name: i for i, row in enumerate(rows) for name in row}
    packages = {p.stem for p in (ROOT / "src" / "musicgenre").iterdir() if p.name != "__init__.py"}
    packages = {p for p in packages if not p.startswith((".", "_"))}
    assert packages == set(row_of), packages ^ set(row_of)
    for importer, imported in tool.package_imports().items():
        for name in imported:
            assert row_of[name] > row_of[importer], f"{importer} imports {name}, which is not below it"
