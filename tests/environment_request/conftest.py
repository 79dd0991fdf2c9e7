"""A complete GetEnvironment ``Environment``, built from botocore's shape."""

from __future__ import annotations

from typing import Any

import pytest

from mwaa_pause_resume.environment_request import OUTPUT_SHAPE, service_model
from tests.environment_request.mwaa_model_values import build_value


@pytest.fixture
def full_environment() -> dict[str, Any]:
    environment: dict[str, Any] = build_value(service_model().shape_for(OUTPUT_SHAPE), "")
    return environment
