"""The layer diagram of docs/architecture.md, generated from the code: the layers contract in pyproject.toml and
the imports grimp finds between the top-level packages.

    python tools/layer_diagram.py           # print the Mermaid diagram
    python tools/layer_diagram.py --write   # rewrite it in docs/architecture.md, between the markers

A test compares the page with this output, so the diagram cannot drift from the code.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- layer diagram: tools/layer_diagram.py --write -->", "<!-- end of layer diagram -->"


def layer_rows(pyproject: Path = ROOT / "pyproject.toml") -> list[list[str]]:
    """The ``layers`` contract's rows, top first; each row the sibling packages on it (``a | b``)."""
    config = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["id"] == "layers")
    return [[name.strip() for name in row.split("|")] for row in contract["layers"]]


def package_imports(package: str = "musicgenre") -> dict[str, set[str]]:
    """Top-level package -> the top-level packages it imports (directly, in any of its modules)."""
    import grimp

    graph = grimp.build_graph(package, include_external_packages=False)
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = module.split(".")[1:2], imported.split(".")[1:2]
            if a and b and a != b:
                edges[a[0]].add(b[0])
    return edges


def mermaid(rows: list[list[str]], edges: dict[str, set[str]]) -> str:
    """A top-down flowchart: one box per layer (siblings side by side), an arrow per package import, drawn from
    the importer down to what it imports, except the interfaces' arrows (they may use any layer)."""
    lines = ["```mermaid", "flowchart TB"]
    for i, row in enumerate(rows):
        lines.append(f'  subgraph L{i}[" "]')
        lines.append("    direction LR")
        lines += [f"    {name}[{name}]" for name in row]
        lines.append("  end")
    for i in range(len(rows) - 1):
        lines.append(f"  L{i} ~~~ L{i + 1}")
    for importer in (name for row in rows for name in row):
        if importer == "interfaces":
            continue
        lines += [f"  {importer} --> {imported}" for imported in sorted(edges.get(importer, ()))]
    lines.append("```")
    return "\n".join(lines)


def diagram() -> str:
    return mermaid(layer_rows(), package_imports())


def page_with(diagram_text: str, page: str) -> str:
    """``page`` with the text between the markers replaced by ``diagram_text``."""
    head, _, rest = page.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{diagram_text}\n{END}{tail}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite the diagram in {PAGE.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    text = diagram()
    if args.write:
        PAGE.write_text(page_with(text, PAGE.read_text()))
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
