"""What defines a musicnn model: its input pipeline, its layer sizes and its 50 tags.

Values follow the original ``musicnn`` 0.1.0 package by Jordi Pons (``configuration.py``,
``models.py``, ``extractor.py``; ISC license, see ``weights/NOTICE.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from musicgenre.features.spectrum import PadMode

#: The 50 MagnaTagATune tags of MTT_musicnn, in output order.
MTT_TAGS: tuple[str, ...] = (
    "guitar",
    "classical",
    "slow",
    "techno",
    "strings",
    "drums",
    "electronic",
    "rock",
    "fast",
    "piano",
    "ambient",
    "beat",
    "violin",
    "vocal",
    "synth",
    "female",
    "indian",
    "opera",
    "male",
    "singing",
    "vocals",
    "no vocals",
    "harpsichord",
    "loud",
    "quiet",
    "flute",
    "woman",
    "male vocal",
    "no vocal",
    "pop",
    "soft",
    "sitar",
    "solo",
    "man",
    "classic",
    "choir",
    "voice",
    "new age",
    "dance",
    "male voice",
    "female vocal",
    "beats",
    "harp",
    "cello",
    "no voice",
    "weird",
    "country",
    "metal",
    "female voice",
    "choral",
)

#: The 50 Million Song Dataset (last.fm) tags of MSD_musicnn, in output order.
MSD_TAGS: tuple[str, ...] = (
    "rock",
    "pop",
    "alternative",
    "indie",
    "electronic",
    "female vocalists",
    "dance",
    "00s",
    "alternative rock",
    "jazz",
    "beautiful",
    "metal",
    "chillout",
    "male vocalists",
    "classic rock",
    "soul",
    "indie rock",
    "Mellow",
    "electronica",
    "80s",
    "folk",
    "90s",
    "chill",
    "instrumental",
    "punk",
    "oldies",
    "blues",
    "hard rock",
    "ambient",
    "acoustic",
    "experimental",
    "female vocalist",
    "guitar",
    "Hip-Hop",
    "70s",
    "party",
    "country",
    "easy listening",
    "sexy",
    "catchy",
    "funk",
    "electro",
    "heavy metal",
    "Progressive rock",
    "60s",
    "rnb",
    "indie pop",
    "sad",
    "House",
    "happy",
)


@dataclass(frozen=True)
class InputConfig:
    """The log-mel input of musicnn: 16 kHz mono, 512-point FFT, hop 256, 96 mel bands, 3 s patches.

    ``patch_hop`` is the original extractor's default (``input_overlap=False``): patches do not overlap.
    ``pad_mode`` is the STFT centring pad of librosa 0.7 (``"reflect"``), the version the original
    package required; librosa >= 0.10 pads with zeros by default.
    ``resampler`` takes decoded audio to ``sample_rate`` when it is at another rate: ``"soxr"`` (high quality,
    fast; today's librosa default) or ``"kaiser_best"`` (librosa 0.7's resampy filter, what the original package
    ran, bit for bit: :mod:`~musicgenre.backbones.musicnn.resample`; about 1 s of CPU per 30 s clip).
    """

    sample_rate: int = 16000  # Hz
    n_fft: int = 512  # samples (32 ms)
    hop_length: int = 256  # samples (16 ms)
    n_mels: int = 96  # mel bands (librosa's Slaney mel scale, area-normalized filters)
    patch_frames: int = 187  # frames per patch: 3 s
    patch_hop: int = 187  # frames between patch starts
    pad_mode: PadMode = "reflect"
    resampler: str = "soxr"

    def __post_init__(self) -> None:
        from musicgenre.backbones.musicnn.resample import RESAMPLERS

        if self.resampler not in RESAMPLERS:
            raise ValueError(f"unknown resampler {self.resampler!r}: choose {' or '.join(RESAMPLERS)}")

    @property
    def patch_seconds(self) -> float:
        """Seconds between patch starts (2.992 s)."""
        return self.patch_hop * self.hop_length / self.sample_rate


#: The input of the MSD_musicnn taggrams of GTZAN published with jordipons/sklearn-audio-transfer-learning
#: (``extractor(..., input_overlap=1)`` of musicnn 0.1.0 under librosa 0.7): resampy's ``kaiser_best`` to
#: 16 kHz and a patch every 61 frames (``librosa.time_to_frames(1, sr=16000, n_fft=512, hop_length=256)``;
#: it predicts the 28 or 29 frames of all 733 published clips from their lengths). With it our port gives
#: the published frames to < 1e-5 from the original audio (``tools/published_taggrams.py``).
PUBLISHED_GTZAN_INPUT = InputConfig(patch_hop=61, resampler="kaiser_best")


@dataclass(frozen=True)
class MusicnnConfig:
    """Layer sizes of a musicnn network (``build_musicnn`` in the original models.py)."""

    name: str
    tags: tuple[str, ...]
    n_mels: int = 96
    timbral_filters: int = 204  # int(1.6 * 128) per timbral branch
    timbral_heights: tuple[int, int] = (38, 67)  # int(0.4 * 96), int(0.7 * 96) mel bands
    timbral_width: int = 7  # frames
    temporal_filters: int = 51  # int(1.6 * 32) per temporal branch
    temporal_widths: tuple[int, int, int] = (128, 64, 32)  # frames
    midend_filters: int = 64
    midend_width: int = 7  # frames
    backend_units: int = 200
    batch_norm_eps: float = 1e-3  # tf.layers.batch_normalization's default

    @property
    def frontend_dim(self) -> int:
        return 2 * self.timbral_filters + 3 * self.temporal_filters  # 561

    @property
    def pool_dim(self) -> int:
        """Size of max_pool and mean_pool: front-end plus the three mid-end layers (753)."""
        return self.frontend_dim + 3 * self.midend_filters

    @property
    def n_tags(self) -> int:
        return len(self.tags)


MODELS: dict[str, MusicnnConfig] = {
    "MSD_musicnn": MusicnnConfig("MSD_musicnn", MSD_TAGS),
    "MTT_musicnn": MusicnnConfig("MTT_musicnn", MTT_TAGS),
}

#: Short names used on the command line.
ALIASES = {"msd": "MSD_musicnn", "mtt": "MTT_musicnn"}


def model_config(name: str) -> MusicnnConfig:
    """``"msd"``/``"mtt"`` or the full name -> its :class:`MusicnnConfig`."""
    full = ALIASES.get(name.lower(), name) if isinstance(name, str) else name
    if full not in MODELS:
        raise ValueError(f"unknown musicnn model {name!r}: choose one of {', '.join([*ALIASES, *MODELS])}")
    return MODELS[full]
