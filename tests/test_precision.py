"""Training precision: the choice, the store key, and bf16 runs on the CPU."""

from __future__ import annotations

import pytest

from rethink_core import precision
from rethink_core.errors import ConfigError
from rethink_core.experiment import Experiment, execute
from rethink_core.precision import resolve_precision
from rethink_core.train import Hyper


def test_auto_is_bf16_where_the_hardware_has_it_and_a_bad_choice_is_an_error(monkeypatch):
    assert resolve_precision("auto", "cuda") == "bf16"
    monkeypatch.setattr(precision, "cpu_bf16_instructions", lambda: [])
    assert resolve_precision("auto", "cpu") == "float32"  # a CPU without bf16: everything as before
    monkeypatch.setattr(precision, "cpu_bf16_instructions", lambda: ["avx512_bf16"])
    assert resolve_precision("auto", "cpu") == "bf16"
    assert resolve_precision("float32", "cpu") == "float32"
    assert resolve_precision("bf16", "cpu") == "bf16"
    with pytest.raises(ConfigError, match="unknown precision"):
        resolve_precision("half", "cpu")


def test_the_precision_is_in_the_key_only_where_it_is_not_the_devices_default():
    exp = Experiment("mlp1x512", width=0.01, n_train=64, n_test=32)
    assert exp.key("cpu", "float32") == exp.key("cpu") == exp.key("cpu", None)  # stored CPU runs stay valid
    assert exp.key("cuda", "bf16") == exp.key("cuda")
    assert exp.key("cpu", "bf16") != exp.key("cpu")


def test_a_bf16_run_on_the_cpu_records_its_precision_and_repeats_bit_for_bit():
    exp = Experiment("mlp1x512", "random_labels", width=0.05, n_train=64, n_test=32, hyper=Hyper(max_epochs=3))
    first, second = execute(exp, precision="bf16"), execute(exp, precision="bf16")
    assert first.precision == "bf16" and execute(exp, precision="float32").precision == "float32"
    assert first.history.to_dict()["epochs"][-1]["loss"] == second.history.to_dict()["epochs"][-1]["loss"]
    assert first.test_confusion == second.test_confusion


def test_the_cpu_flags_are_read_at_run_time():
    assert set(precision.cpu_bf16_instructions()) <= {"amx_bf16", "avx512_bf16"}
