"""``musicgenre experiment list``: the model zoo, one line a model."""

from __future__ import annotations

import click


@click.command("list")
def command() -> None:
    """List the zoo: each model's name, family, inputs and what it is.

    \b
    musicgenre experiment list
    """
    from musicgenre.training.zoo import available_models

    for name, info in available_models().items():
        click.echo(f"{name:<20} {info.family:<9} {info.inputs:<12} {info.description}")
