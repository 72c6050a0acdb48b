"""The shape of the code that ruff does not check: no function in the package is over 80 lines (beets plugin too).

Ruff's C901 (complexity 12) and PLR0915 (50 statements) gate the rest (``make lint``, pyproject.toml).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
#: Longest a function may be, signature and docstring included (lines).
MAX_LINES = 80


def long_functions(root: Path, limit: int = MAX_LINES) -> list[str]:
    """``path:line name (n lines)`` of every function or method under ``root`` longer than ``limit`` lines, counted
    from its ``def`` (a command's option decorators are declarations, not its body)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1  # from ``def`` (decorators: declarations)
                if lines > limit:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_in_src_is_over_80_lines():
    assert long_functions(SRC) == []


def test_the_check_sees_a_long_function(tmp_path):
    def body(n: int) -> str:
        return "\n".join(f"    x{i} = {i}" for i in range(n))

    # 80 lines from def (a decorator above does not count) pass; 81 do not
    (tmp_path / "m.py").write_text(f"@decorated\ndef fits():\n{body(79)}\n\n\ndef long():\n{body(80)}\n")
    assert long_functions(tmp_path) == ["m.py:84 long (81 lines)"]
