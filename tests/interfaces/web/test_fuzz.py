"""Property-based fuzz of the JSON API from its own OpenAPI schema (schemathesis; bounded run, real model).

Each generated request (valid and invalid ones) must get a documented status with a body matching the
schema, never a 5xx, and must leave no temporary file behind. (schemathesis' own pytest plugin does
not run under this pytest, so its Hypothesis strategies are used directly.)
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from musicgenre.interfaces.web.app import create_app  # noqa: E402
from musicgenre.interfaces.web.settings import WebSettings  # noqa: E402

OPERATIONS = [
    ("/api/classify", "POST"),
    ("/api/genres", "GET"),
    ("/api/model", "GET"),
    ("/api/limits", "GET"),
    ("/healthz", "GET"),
]


@pytest.fixture(scope="module")
def fuzz_uploads(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-uploads")


@pytest.fixture(scope="module")
def api_schema(real_analyzer, fuzz_uploads):
    app = create_app(
        WebSettings(
            max_upload_bytes=256 * 1024,
            tmp_dir=fuzz_uploads,
            workers=1,
            pool="thread",
            time_limit_s=30.0,
            allowed_hosts=("testserver",),  # the Host schemathesis' ASGI client sends
        ),
        analyzer=real_analyzer,
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_operation_is_fuzzed(api_schema):
    listed = {(op.ok().path, op.ok().method.upper()) for op in api_schema.get_all_operations()}
    assert listed == set(OPERATIONS)


#: every operation with valid input; the one that takes input also with invalid input
CASES = [(path, method, GenerationMode.POSITIVE) for path, method in OPERATIONS] + [
    ("/api/classify", "POST", GenerationMode.NEGATIVE)
]


@pytest.mark.parametrize("path, method, mode", CASES, ids=[f"{m} {p} {g.value}" for p, m, g in CASES])
def test_operation_conforms_to_its_schema(api_schema, fuzz_uploads, path, method, mode):
    operation = api_schema[path][method]
    examples = 25 if path == "/api/classify" else 5
    seen: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples, deadline=10_000, suppress_health_check=list(HealthCheck), derandomize=True, database=None
    )
    def check(case):
        response = case.call_and_validate(excluded_checks=_not_for(path, mode))
        assert response.status_code < 500, response.text
        assert list(fuzz_uploads.iterdir()) == [], "a temporary upload was left behind"
        seen.append(response.status_code)

    check()
    assert seen, "no request was made"
    if path == "/api/classify" and mode is GenerationMode.NEGATIVE:
        assert set(seen) <= {413, 422}, seen


def _not_for(path: str, mode: GenerationMode) -> list:
    """Checks that do not apply: random bytes are schema-valid but are not audio, so a valid request may get 422."""
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    return [positive_data_acceptance] if path == "/api/classify" else []
