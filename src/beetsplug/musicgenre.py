"""beets plugin: the genre musicgenre hears in each track, set in beets' genre field.

Install it with ``pip install 'musicgenre[beets]'`` and enable it with ``plugins: musicgenre`` in beets' config.
Then::

    beet musicgenre [QUERY]         # classify the matching items and set their genre
    beet musicgenre -p QUERY        # pretend: show what would change
    beet musicgenre -r -m 0.6 QUERY # replace existing genres, only when the top genre reaches 0.6
    beet musicgenre --learn [QUERY] # learn the genres the matching items carry, then fill those without one.

Configuration (``musicgenre:`` in beets' config), with the same policies as ``musicgenre label``::

    auto: no               # also classify each track on import
    policy: only-empty     # only-empty | replace | append
    min_probability: 0.0   # leave less certain tracks alone
    include_uncertain: no  # also set a genre the model marks uncertain
    map: {}                # the model's genre -> your name. Default: Blues, Hip-Hop, ...
    model: null            # a shipped model name or an ONNX file. Default: musicnn+efficientat; audioset-genres
                           # writes readable names of AudioSet's 50 music genres
    jobs: 1                # worker processes for classifying
    min_tracks: 10         # --learn: genres with fewer tracks are left out
    learned_model: null    # --learn: where the learned model goes. Default: musicgenre-learned.onnx in beets' folder.

Files are written as beets writes any field. ``beet musicgenre`` writes them when ``import.write`` is on, or
with ``-w`` (``-W`` never). On import, beets writes them with the rest of an autotagged match. An as-is ``-A``
import leaves files alone: ``beet write`` puts the genre in later.

With ``--learn``, the model is first learned from the matching items' own genres and artists, as ``musicgenre
learn`` does: spellings merged, artist-grouped CV, a card and report beside the model. It then fills only the
items without a genre, in the library's own genre names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from beets import ui
from beets.plugins import BeetsPlugin

from musicgenre.inference.batch import BatchConfig, FileResult, run_batch
from musicgenre.inference.loading import load_model
from musicgenre.inference.model import GenreModel, ModelError
from musicgenre.tagging.policy import (
    POLICIES,
    Decision,
    LabelPolicy,
    MapError,
    decide_on,
    genre_map,
    needs_prediction,
)

#: how several genres are joined where beets has one text genre field (beets before 2.x)
GENRE_JOIN = ", "


@dataclass(frozen=True)
class ItemOutcome:
    """What the plugin decided for one item, with the model's answer (None when not classified) or the error."""

    decision: Decision | None
    genre: str | None = None
    probability: float | None = None
    error: str | None = None


def item_genres(item) -> tuple[str, ...]:
    """An item's genres: beets 2.x's ``genres`` list, or the older text ``genre`` field split on commas."""
    if "genres" in item.keys():
        return tuple(g for g in (item.get("genres") or []) if g)
    text = item.get("genre") or ""
    return tuple(g.strip() for g in text.split(GENRE_JOIN.strip()) if g.strip())


def set_item_genres(item, genres: tuple[str, ...]) -> None:
    if "genres" in item.keys():
        item.genres = list(genres)
    else:
        item.genre = GENRE_JOIN.join(genres)


def _add_policy_options(parser) -> None:
    """The options of ``beet musicgenre`` that set the labelling policy (as the ``musicgenre:`` configuration)."""
    parser.add_option(
        "-r",
        "--replace",
        dest="policy",
        action="store_const",
        const="replace",
        help="set the predicted genre in place of any genre",
    )
    parser.add_option(
        "-a",
        "--append",
        dest="policy",
        action="store_const",
        const="append",
        help="add the predicted genre after the item's genres",
    )
    parser.add_option(
        "-e",
        "--only-empty",
        dest="policy",
        action="store_const",
        const="only-empty",
        help="set a genre only where there is none (the default)",
    )
    parser.add_option(
        "-m",
        "--min-probability",
        dest="min_probability",
        type="float",
        help="leave items whose top genre is less probable alone",
    )
    parser.add_option(
        "-u",
        "--include-uncertain",
        dest="include_uncertain",
        action="store_true",
        help="also set a genre the model marks uncertain",
    )


def _add_run_options(parser) -> None:
    """The options of ``beet musicgenre`` that say how to run: jobs, pretend, writing files, learning first."""
    parser.add_option("-j", "--jobs", dest="jobs", type="int", help="worker processes for classifying")
    parser.add_option("-p", "--pretend", dest="pretend", action="store_true", help="show changes; change nothing")
    parser.add_option(
        "-w",
        "--write",
        dest="write",
        action="store_true",
        default=None,
        help="write the new genre into the files (default: beets' import.write)",
    )
    parser.add_option("-W", "--nowrite", dest="write", action="store_false", help="do not write the files")
    parser.add_option(
        "-l",
        "--learn",
        dest="learn",
        action="store_true",
        help="learn the genres the matching items carry, then fill the items without one",
    )
    parser.add_option("--min-tracks", dest="min_tracks", type="int", help="with --learn: fewest tracks a genre needs")


class MusicGenrePlugin(BeetsPlugin):
    """``beet musicgenre``, and classification on import when ``auto`` is on."""

    def __init__(self):
        super().__init__()
        self._models: dict[str | None, GenreModel] = {}
        self.config.add(
            {
                "auto": False,
                "policy": "only-empty",
                "min_probability": 0.0,
                "include_uncertain": False,
                "map": {},
                "model": None,
                "jobs": 1,
                "timeout": 600.0,
                "min_tracks": 10,
                "learned_model": None,
            }
        )
        if self.config["auto"].get(bool):
            self.import_stages = [self.imported]

    def commands(self):
        """``beet musicgenre``: its options (policy, then the run's) and :meth:`run_command` as its function."""
        command = ui.Subcommand("musicgenre", help="set the genre musicgenre hears in each matching item")
        _add_policy_options(command.parser)
        _add_run_options(command.parser)
        command.func = self.run_command
        return [command]

    def run_command(self, lib, opts, args) -> None:
        """Classify the items ``args`` match, print a line per item and the counts; set (and write) their genres
        unless ``--pretend``. Options given override the configuration."""
        for key in ("policy", "min_probability", "include_uncertain", "jobs", "min_tracks"):
            if getattr(opts, key) is not None:
                self.config[key].set(getattr(opts, key))
        items = list(lib.items(args))
        model_name = self.learn_from(items) if opts.learn else self.config["model"].get()
        counts = {"changed": 0, "unchanged": 0, "failed": 0}
        for item, outcome in self.classify_items(items, model_name, learned=bool(opts.learn)):
            changes = outcome.decision is not None and outcome.decision.writes
            counts["failed" if outcome.error else "changed" if changes else "unchanged"] += 1
            ui.print_(self.describe(item, outcome, opts.pretend))
            if changes and not opts.pretend:
                assert outcome.decision is not None
                set_item_genres(item, outcome.decision.genres)
                item.try_sync(write=ui.should_write(opts.write), move=False)
        verb = "would change" if opts.pretend else "changed"
        ui.print_(
            f"musicgenre: {counts['changed']} {verb}, {counts['unchanged']} left alone, {counts['failed']} failed"
        )

    def imported(self, session, task) -> None:
        """Import stage: set the genre of the task's items; beets writes the files later if ``import.write``."""
        for item, outcome in self.classify_items(list(task.imported_items()), self.config["model"].get()):
            self._log.info("{0}", self.describe(item, outcome, pretend=False))
            if outcome.decision is not None and outcome.decision.writes:
                set_item_genres(item, outcome.decision.genres)
                item.store()

    def learn_from(self, items: list) -> str:
        """Learn the genres ``items`` carry (their genre fields and artists, as ``musicgenre learn``); the model's
        path. Only the items without a genre are labelled by it, so the policy must be only-empty."""
        if self.config["policy"].as_str() != "only-empty":
            raise ui.UserError("musicgenre: --learn fills only items without a genre; it takes no -r or -a")
        from beets import config as beets_config

        from musicgenre.learning import CollectConfig, LabelledFile
        from musicgenre.learning.learn import LearnConfig, LearnError, learn
        from musicgenre.learning.report import summary_line

        files = [
            LabelledFile(os.fsdecode(item.path), item_genres(item), item.get("artist") or item.get("albumartist"))
            for item in items
        ]
        out = self.config["learned_model"].get() or os.path.join(beets_config.config_dir(), "musicgenre-learned.onnx")
        try:
            collect = CollectConfig(min_tracks=int(self.config["min_tracks"].get()))
            learned = learn(files, out, LearnConfig(collect=collect), log=lambda line: ui.print_(f"musicgenre: {line}"))
        except (LearnError, ValueError) as error:
            raise ui.UserError(f"musicgenre: {error}") from None
        ui.print_(f"musicgenre: {summary_line(learned.card)}; model {out}, report {learned.report_path}")
        return str(learned.path)

    def policy(self, known: tuple[str, ...], learned: bool = False) -> LabelPolicy:
        """The :class:`LabelPolicy` of the current configuration (a bad ``map`` or policy is a UserError); a
        ``learned`` model's genres are the library's own names already, so no map applies."""
        policy = self.config["policy"].as_str()
        if policy not in POLICIES:
            raise ui.UserError(f"musicgenre: policy must be one of {', '.join(POLICIES)}, not {policy!r}")
        try:
            mapping = genre_map(known, learned=learned, table=(self.config["map"].get(dict), "musicgenre.map"))
            return LabelPolicy(
                policy,
                float(self.config["min_probability"].get()),
                mapping,
                skip_uncertain=not self.config["include_uncertain"].get(bool),
                learned=learned,
            )
        except (MapError, ValueError) as error:
            raise ui.UserError(f"musicgenre: {error}") from None

    def model_of(self, model_name: str | None) -> GenreModel:
        """The model ``model_name`` names, loaded once per plugin (an import asks for it once per album)."""
        if model_name not in self._models:
            try:
                self._models[model_name] = load_model(model_name)
            except ModelError as error:
                raise ui.UserError(f"musicgenre: {error}") from None
        return self._models[model_name]

    def classify_items(self, items: list, model_name: str | None = None, learned: bool = False):
        """Yield ``(item, ItemOutcome)``: items the policy settles by their genre alone first, then the
        classified ones as they finish (through ``run_batch``: worker processes, time limit, error rows)."""
        model = self.model_of(model_name)
        policy = self.policy(model.genres, learned)
        by_path: dict[str, list] = {}
        for item in items:
            current = item_genres(item)
            if needs_prediction(current, policy):
                by_path.setdefault(os.fsdecode(item.path), []).append(item)
            else:
                yield item, ItemOutcome(decide_on(current, None, policy))
        timeout = float(self.config["timeout"].get() or 0) or None
        config = BatchConfig(model_path=model_name, jobs=max(1, int(self.config["jobs"].get())), timeout_s=timeout)
        for result in run_batch(list(by_path), config, model):
            for item in by_path[result.file]:
                yield item, self._outcome(item, result, policy)

    @staticmethod
    def _outcome(item, result: FileResult, policy: LabelPolicy) -> ItemOutcome:
        if not result.ok or result.prediction is None:
            return ItemOutcome(None, error=result.error or "not classified")
        prediction = result.prediction
        decision = decide_on(item_genres(item), prediction, policy)
        return ItemOutcome(decision, prediction.genre, prediction.probability)

    @staticmethod
    def describe(item, outcome: ItemOutcome, pretend: bool) -> str:
        """One line: ``item: old -> new (genre 0.87)``, or why it was left alone, or its error."""
        name = format(item) if item.get("title") else os.fsdecode(item.path)
        if outcome.error:
            return f"{name}: error: {outcome.error}"
        decision = outcome.decision
        assert decision is not None
        answer = "" if outcome.genre is None else f" ({outcome.genre} {outcome.probability:.2f})"
        if not decision.writes:
            return f"{name}: {decision.action}{answer}" + (f": {decision.reason}" if decision.reason else "")
        before = GENRE_JOIN.join(item_genres(item)) or "(none)"
        prefix = "would set" if pretend else "genre"
        return f"{name}: {prefix} {before} -> {GENRE_JOIN.join(decision.genres)}{answer}"
