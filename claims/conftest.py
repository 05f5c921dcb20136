"""The claims' parametrization: ``architecture`` runs over what the chosen scale trains (``--scale``),
so ``pytest claims --collect-only`` lists each scale's own cases. Other parameters (R2's ``variant``)
are explicit in the claim modules."""

from __future__ import annotations

import pytest

from rethink_core.plugin import claim_session


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "architecture" in metafunc.fixturenames:
        metafunc.parametrize("architecture", list(claim_session(metafunc.config).scale.architectures))
