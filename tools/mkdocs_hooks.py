"""MkDocs hook (mkdocs.yml `hooks:`): show the Sphinx roles of the docstrings as plain code in the API reference.

The docstrings use roles such as :func:`~musicgenre.audio.load`; mkdocstrings renders them as the role's name
followed by code. This drops the role name and, as Sphinx does for a leading `~`, keeps only the last component.
"""

import re

ROLE = re.compile(r":(?:func|class|mod|data|attr|meth|exc|obj):<code>(~?)([^<]+)</code>")


def _plain(match: re.Match) -> str:
    short, target = match.group(1), match.group(2)
    return f"<code>{target.rsplit('.', 1)[-1] if short else target}</code>"


def on_page_content(html: str, **kwargs) -> str:
    return ROLE.sub(_plain, html)
