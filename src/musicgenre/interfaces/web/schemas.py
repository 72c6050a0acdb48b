"""Response models of the JSON API (they make the OpenAPI schema at ``/openapi.json``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorResponse(BaseModel):
    """Every error: one line saying what went wrong."""

    detail: str = Field(description="What went wrong, in one line.")


class RankedGenre(BaseModel):
    genre: str
    probability: float = Field(ge=0, le=1)


class TimelineEntry(BaseModel):
    """The model's answer for one window ``[start_s, end_s)`` of the track."""

    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    genre: str
    probabilities: dict[str, float]


class Spectrogram(BaseModel):
    """Log-mel picture: ``data`` is base64 of ``n_mels * n_columns`` bytes, band-major, lowest band first;
    byte 0 is ``db_max - db_range`` dB or less, 255 is ``db_max``."""

    n_mels: int = Field(ge=1)
    n_columns: int = Field(ge=1)
    seconds_per_column: float = Field(gt=0)
    fmin_hz: float
    fmax_hz: float
    db_max: float
    db_range: float
    data: str


class TagTerm(BaseModel):
    tag: str
    contribution: float = Field(description="The tag's term in logit(genre) - logit(rival), logit units.")


class TagProbability(BaseModel):
    tag: str
    probability: float = Field(ge=0, le=1)


class LogitParts(BaseModel):
    """A genre's mean window logit (before the temperature) = ``bias`` + the sum of ``contributions``."""

    genre: str
    logit: float
    bias: float = Field(description="The head's intercept: the logit of a clip whose tag statistics are all average.")
    contributions: dict[str, float] = Field(description="Tag -> the summed terms of its mean, max and std.")


class NetworkAnswer(BaseModel):
    """One network's own answer inside a model of several (the fused default): its genre and probabilities, and
    the tags (musicnn: MSD tags; EfficientAT: AudioSet "Music genre" classes) it heard most in the track."""

    network: str = Field(description="`musicnn` or `efficientat`.")
    genre: str
    probability: float = Field(ge=0, le=1)
    probabilities: dict[str, float] = Field(description="This network's probability of each genre, in model order.")
    top_tags: list[TagProbability] = Field(description="The tags (or classes) it heard most, most probable first.")


class Explanation(BaseModel):
    """Which tags pushed the answer: terms of the model's linear head on the track's tag statistics, not causes.

    In a model of several networks (the fused default) the head explained is musicnn's, on musicnn's own answer
    (so `genre` and `probability` are musicnn's), and `networks` gives each network's answer."""

    summary: str = Field(description="One line: `jazz 0.62: jazz, piano, mellow; against blues: guitar`.")
    genre: str
    probability: float = Field(ge=0, le=1)
    rival: str = Field(description="The runner-up genre the answer is explained against.")
    rival_probability: float = Field(ge=0, le=1)
    for_: list[TagTerm] = Field(alias="for", description="Tags that pushed toward `genre`, strongest first.")
    against: list[TagTerm] = Field(description="Tags that pushed toward `rival`, strongest first.")
    top_tags: list[TagProbability] = Field(description="The track's most probable MSD tags.")
    logit: LogitParts
    rival_logit: LogitParts
    windows: int = Field(ge=1, description="Windows whose logits are averaged.")
    temperature: float = Field(gt=0)
    units: str
    networks: list[NetworkAnswer] | None = Field(
        None, description="In a model of several networks: each one's own answer (absent for a single network)."
    )

    model_config = {"populate_by_name": True}


class ModelSummary(BaseModel):
    name: str
    file: str
    recipe: str
    sample_rate: int
    clip_seconds: float


class ClassifyResponse(BaseModel):
    """The genre of an uploaded track."""

    file: str = Field(description="The uploaded file's name (cleaned; only echoed, never used as a path).")
    duration_s: float = Field(ge=0)
    genre: str = Field(description="The most probable genre.")
    probability: float = Field(ge=0, le=1, description="Its probability.")
    probabilities: dict[str, float] = Field(
        description="Every genre of the model in its order: GTZAN's ten, summing to 1; or, for a multi-label model "
        "(audioset-genres, `multi_label` in /api/model), each genre's own probability (they need not sum to 1)."
    )
    not_music: str | None = Field(
        default=None,
        description="Why the track is not music (a steady tone or hum, steady noise), else null; the genre is "
        "then only the nearest the model found.",
    )
    uncertain: bool | None = Field(
        None,
        description="The top probability is below the model's calibrated "
        "'uncertain' threshold (more often wrong than right there); null when the "
        "model has none.",
    )
    top: list[RankedGenre] = Field(description="The `top` most probable genres, most probable first.")
    windows: int = Field(ge=0, description="Windows of the track that were scored (silent ones are left out).")
    timeline: list[TimelineEntry] = Field(description="One entry per window (only with `timeline=true`).")
    spectrogram: Spectrogram | None = Field(None, description="Only with `spectrogram=true`.")
    explanation: Explanation | None = Field(
        None, description="Only with `explain=true`, for a model with tags: which tags pushed the answer."
    )
    explanation_unavailable: str | None = Field(
        None, description="With `explain=true` for a model without tags: why there is no explanation."
    )
    model: ModelSummary
    elapsed_s: float = Field(ge=0, description="Seconds spent decoding and classifying.")


class GenreInfo(BaseModel):
    name: str
    colour: str = Field(description="CSS colour used for this genre in every figure and on the page.")


class GenresResponse(BaseModel):
    genres: list[GenreInfo]


class NetworkSummary(BaseModel):
    """One network of a model of several: its Model file's name, recipe and rate."""

    name: str
    file: str
    recipe: str
    sample_rate: int


class ModelCard(BaseModel):
    """Facts about the served model."""

    version: str = Field(description="The musicgenre version serving it (as `musicgenre --version` prints).")
    name: str
    file: str = Field(description="The Model file's name (of each network, joined by ` + `, in a fused model).")
    recipe: str
    sample_rate: int
    clip_seconds: float
    window_hop_seconds: float
    uncertain_below: float | None = None
    genres: list[str]
    multi_label: bool = Field(
        False, description="Each genre is scored on its own (audioset-genres): probabilities need not sum to 1."
    )
    networks: list[NetworkSummary] = Field(
        default_factory=list, description="The networks of a model of several (the fused default); else empty."
    )
    n_features: int
    feature_names: list[str]
    metadata: dict[str, str]
    card: dict[str, Any] | None = None


class Limits(BaseModel):
    max_upload_bytes: int
    time_limit_s: float
    workers: int
    max_pending: int
    upload_timeout_s: float = Field(description="Seconds an upload's body may take to arrive (then 408).")
    max_uploads_per_client: int = Field(description="Uploads one client address may have in progress (then 429).")


class Health(BaseModel):
    status: str
    model: str
    workers: int
    in_progress: int = Field(description="Requests being received or analysed right now.")
