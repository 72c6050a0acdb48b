"""``musicgenre experiment``: a group of one subcommand per mode, each in its own module, imported only when it runs
(or its own help is asked), so ``musicgenre experiment --help`` imports no torch.

    musicgenre experiment list | table | audio | backbone | taggrams | fit-all ...
"""

from __future__ import annotations

import click

from musicgenre.interfaces.cli.lazy_group import LazyGroup

#: subcommand -> module (in this package) that defines ``command``; one-line help for the listing.
MODES: dict[str, tuple[str, str]] = {
    "list": ("experiment_list", "List the zoo: each model's name, family, inputs."),
    "table": ("experiment_table", "The zoo on a feature table (features_30_sec.csv) under a protocol."),
    "audio": ("experiment_audio", "The zoo, CNNs included, on a GTZAN audio folder under a protocol."),
    "backbone": ("experiment_backbone", "Heads on a pretrained backbone's embeddings of GTZAN audio."),
    "taggrams": ("experiment_taggrams", "Heads on musicnn's published GTZAN taggrams (fault-filtered)."),
    "fit-all": ("experiment_fit_all", "Fit one model on every track; write its ONNX Model file."),
}

#: the flags that chose a mode before the subcommands, most telling first -> that mode's subcommand now.
_OLD_FLAGS = (
    ("--list", "list"),
    ("--taggrams", "taggrams"),
    ("--fit-all", "fit-all"),
    ("--backbone", "backbone"),
    ("--data", "audio"),
    ("--table", "table"),
)


class ModeGroup(LazyGroup):
    """The modes, imported only when one runs; the old flag form gets a usage error naming the subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0].startswith("-") and args[0] not in ctx.help_option_names:
            raise click.UsageError(_old_form(args), ctx)
        return super().parse_args(ctx, args)


def _old_form(args: list[str]) -> str:
    """The usage error for ``experiment --table ...`` and the like: which subcommand takes it now."""
    given = {a.split("=", 1)[0] for a in args}
    mode = next((name for flag, name in _OLD_FLAGS if flag in given), None)
    hint = f"here: musicgenre experiment {mode} ... (its --help shows how)" if mode else "see their --help"
    return f"the modes are subcommands now ({', '.join(MODES)}); {hint}"


@click.group("experiment", cls=ModeGroup, commands=MODES)
def command() -> None:
    """Train and evaluate the zoo (networks, scikit-learn baselines, ensemble) honestly, one mode a subcommand.

    \b
    musicgenre experiment list
    musicgenre experiment table --table ../shared/gtzan/features_30_sec.csv --protocol fault-filtered -o runs/ff
    musicgenre experiment fit-all ensemble --table ../shared/gtzan/features_30_sec.csv -o model.onnx

    Every number names its protocol and carries a 95 % bootstrap interval. Running again into the same folder
    resumes: finished models are skipped. Genres of your own: musicgenre learn DIR --from folders -o MODEL.onnx.
    """
