"""What every self-contained HTML page of the project starts with: escaping, and the head up to its title."""

from __future__ import annotations

import html


def escape(value: object) -> str:
    """``value`` as text safe inside HTML elements and attribute values."""
    return html.escape(str(value), quote=True)


def page_start(title: str, css: str) -> list[str]:
    """The lines of a page from the doctype to its ``<h1>``: UTF-8, a viewport for phones, ``css`` inline."""
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{css}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
    ]
