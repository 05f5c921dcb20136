"""The claims' parametrization: ``architecture`` runs over what the chosen scale trains (``--scale``),
so ``pytest claims --collect-only`` lists each scale's own cases (a user's ``--model`` by its file
and callable name). Other parameters (R2's ``variant``)
are explicit in the claim modules."""

from __future__ import annotations

import pytest

from rethink_core.plugin import claim_session
from rethink_core.user_models import display_name, is_user_model


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "architecture" in metafunc.fixturenames:
        models = list(claim_session(metafunc.config).settings.scale.architectures)
        metafunc.parametrize("architecture", models, ids=[display_name(m) if is_user_model(m) else m for m in models])
