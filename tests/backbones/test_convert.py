"""The shipped safetensors are exactly what the converter makes from the musicnn wheel."""

from __future__ import annotations

import hashlib

from convert_musicnn_weights import convert_wheel, tf_name_map

from musicgenre.backbones.musicnn.extract import WEIGHTS_DIR, load_network


def test_reconverting_the_wheel_gives_the_shipped_files(musicnn_wheel, tmp_path):
    written = convert_wheel(musicnn_wheel, tmp_path)
    assert [p.name for p in written] == ["MSD_musicnn.safetensors", "MTT_musicnn.safetensors"]
    for path in written:
        shipped = WEIGHTS_DIR / path.name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == hashlib.sha256(shipped.read_bytes()).hexdigest(), (
            path.name
        )


def test_every_parameter_and_statistic_is_mapped():
    model = load_network("msd")
    expected = {k for k in model.state_dict() if not k.endswith("num_batches_tracked")}
    assert set(tf_name_map()) == expected
    assert (WEIGHTS_DIR / "NOTICE.md").read_text().count("Jordi Pons") >= 1
    assert "ISC" in (WEIGHTS_DIR / "NOTICE.md").read_text()
