"""Store keys are stable: the keys of a few runs of the existing scales, and a digest of every planned
run's key per scale, pinned from the code before the imagenet scale (issue 30) was added. A change that
moves them would orphan every stored run of those scales: bump TRAINER_VERSION on purpose, never by
accident (and update these numbers in the same commit)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from rethink_core.runplan import planned_runs
from rethink_core.scales import get_scale

SMOKE, DEFAULT, PAPER = get_scale("smoke"), get_scale("default"), get_scale("paper")
PINNED = [
    (replace(DEFAULT.experiment("inception", "random_labels", seed=1), data_fingerprint="embedded-x"), "cpu", None,
     "531dfedf75761d648659ea5d554af8d3"),
    (replace(SMOKE.experiment("mlp1x512", crop=True, weight_decay=True), data_fingerprint="embedded-x"), "cpu", None,
     "14f5e6e81cc6a3975f89339dc25e397a"),
    (replace(PAPER.experiment("alexnet", "corrupt_labels", 0.3, seed=2), data_fingerprint="cifar10-y"), "cpu", None,
     "efd279dfa5f8c5cf63bc649b5c0c4fe7"),
    (replace(PAPER.experiment("inception_nobn", weight_decay=True), data_fingerprint="cifar10-y"), "cuda", "bf16",
     "a669f5cbb903170f2237f94bc392e579"),
    (DEFAULT.width_sweep_experiment(64, True, 3), "cpu", None, "48ea670897308c14069ed981e62cdf49"),
]  # fmt: skip
PLANNED = {
    "smoke": (19, "9c121f5b4c6e11b4"),
    "default": (156, "c4628086f901891c"),
    "paper": (560, "f9f82b553b287cb5"),
    "full": (560, "839a7524774221b4"),
}


@pytest.mark.parametrize(("exp", "device", "precision", "key"), PINNED, ids=[e.describe() for e, *_ in PINNED])
def test_a_run_keeps_its_store_key(exp, device, precision, key):
    assert exp.key(device, precision) == key


@pytest.mark.parametrize("name", PLANNED)
def test_every_planned_run_of_a_scale_keeps_its_key(name):
    keys = sorted(exp.key() for exp in planned_runs(get_scale(name)))
    assert (len(keys), hashlib.sha256("".join(keys).encode()).hexdigest()[:16]) == PLANNED[name]
