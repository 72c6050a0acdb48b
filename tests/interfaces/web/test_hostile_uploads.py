"""A seeded sample of the fuzz corpus (``tests/hostile_inputs.py``) uploaded to ``POST /api/classify``: an answer
or a 4xx with a one-line reason, never a 5xx, and no temporary file left behind."""

from __future__ import annotations

from hostile_inputs import NON_MUSIC, hostile_inputs

SAMPLE = 200
SEED = 7


def test_no_upload_gets_a_server_error(client, upload_dir):
    answered, refused, server_errors, confident = 0, 0, [], []
    for item in hostile_inputs(SAMPLE, SEED):
        if item.special is not None:
            continue  # a folder or a pipe cannot be uploaded
        name = item.name if isinstance(item.name, str) else item.name.decode("utf-8", "replace")
        response = client.post("/api/classify", files={"file": (name, item.data, "application/octet-stream")})
        if response.status_code >= 500:
            server_errors.append(f"{name}: {response.status_code} {response.text[:200]}")
        elif response.status_code == 200:
            answered += 1
            if item.kind in NON_MUSIC and not response.json()["uncertain"]:
                confident.append(name)
        else:
            refused += 1
            assert "\n" not in response.json()["detail"]
        assert list(upload_dir.iterdir()) == []
    assert server_errors == []
    assert confident == []
    assert answered > 20 and refused > 20  # the sample holds both kinds
