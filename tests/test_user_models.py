"""--model MODULE:CALLABLE: a user's model runs the claims end to end, its runs are keyed by its
fingerprint, and every kind of bad model gives one line before any training."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rethink_core import user_models
from rethink_core.errors import ConfigError
from rethink_core.experiment import Experiment
from rethink_core.scales import get_scale, with_user_models

REPO = Path(__file__).resolve().parent.parent
SMALL_MLP = """
from torch import nn

def build(input_shape, num_classes):
    c, h, w = input_shape
    return nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, 256), nn.ReLU(), nn.Linear(256, num_classes))
"""


def write_model(folder: Path, source: str = SMALL_MLP, name: str = "my_model.py") -> str:
    path = folder / name
    path.write_text(source)
    return f"{path}:build"


def claims_session(tmp_path: Path, spec: str, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "claims", "--scale", "smoke", "--model", spec, "-p", "no:cacheprovider"]
    command += ["--store-dir", str(tmp_path / "store"), "--report-dir", str(tmp_path / "reports"), *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, env=env)


def test_a_user_model_runs_r1_end_to_end_under_xdist(tmp_path):
    spec = write_model(tmp_path)
    done = claims_session(tmp_path, spec, "-k", "R1", "-n", "2")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    doc = json.loads((tmp_path / "reports" / "latest" / "results.json").read_text())
    (case,) = doc["results"]
    # "at chance" is an equivalence (3 points): one seed's clumpy random-label network can leave it undecided
    assert case["claim"] == "R1" and case["case"] == spec and case["verdict"] in ("pass", "undecided")
    assert [c["outcome"] for c in case["checks"][:2]] == ["pass", "pass"]  # it fits; far above chance
    assert {run["num_params"] for run in case["runs"]} == {784 * 256 + 256 + 257 * 10}
    assert case["measured"]["parameters"] == 784 * 256 + 256 + 257 * 10  # shown in the report's R1 section
    assert doc["meta"]["user_models"] == [spec]
    assert "my_model.py:build(w=1) random_labels" in done.stderr + done.stdout


def test_a_user_model_that_cannot_fit_within_the_cap_fails_its_case_saying_so(tmp_path):
    done = claims_session(tmp_path, write_model(tmp_path), "-k", "R1", "--max-epochs", "1")
    assert done.returncode == 1
    case = json.loads((tmp_path / "reports" / "latest" / "results.json").read_text())["results"][0]
    assert case["verdict"] == "fail" and "did not reach 100% training accuracy" in case["reason"]
    assert "not_converged after 1 epochs" in case["reason"]


def test_editing_the_model_changes_its_key_and_an_unchanged_model_keeps_it(tmp_path):
    spec = write_model(tmp_path)
    before = user_models.fingerprint(spec, (1, 28, 28), 10)
    user_models.fingerprint.cache_clear()
    assert user_models.fingerprint(spec, (1, 28, 28), 10) == before
    write_model(tmp_path, SMALL_MLP.replace("256", "128"))
    user_models.fingerprint.cache_clear()
    after = user_models.fingerprint(spec, (1, 28, 28), 10)
    assert after != before
    keys = {Experiment(model=spec, model_fingerprint=f).key() for f in (before, after)}
    assert len(keys) == 2
    assert "model_fingerprint" not in Experiment(model="mlp1x512").identity()  # the paper's keys as before


def test_user_settings_come_from_options_then_the_callable_then_the_defaults(tmp_path):
    spec = write_model(tmp_path, SMALL_MLP + "\nbuild.rethink_hyper = {'lr': 0.05, 'batch_size': 64}\n")
    scale = with_user_models(get_scale("smoke"), [spec], {"lr": 0.2}, train_images=300)
    exp = scale.experiment(spec, weight_decay=True)
    assert (exp.hyper.lr, exp.hyper.batch_size, exp.hyper.weight_decay) == (0.2, 64, 5e-4)
    assert exp.n_train == 300 and exp.hyper.max_epochs == scale.max_epochs and scale.inputs_model == spec


BAD_MODELS = {
    "import": ("import not_a_module_anywhere\n", "cannot import * ModuleNotFoundError: No module named"),
    "no callable": ("x = 1\n", "has no callable 'build'"),
    "signature": ("def build(input_shape):\n    pass\n", "must take (input_shape, num_classes)"),
    "output": (
        "from torch import nn\n"
        "def build(input_shape, num_classes):\n    return nn.Sequential(nn.Flatten(), nn.LazyLinear(3))\n",
        "output (2, 3) for a batch of 2, expected (2, 10) logits",
    ),
    "no parameters": (
        "from torch import nn\ndef build(input_shape, num_classes):\n    return nn.Flatten()\n",
        "the model has no trainable parameters",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_MODELS))
def test_a_bad_model_is_one_usage_line_before_any_training(tmp_path, kind):
    source, message = BAD_MODELS[kind]
    done = claims_session(tmp_path, write_model(tmp_path, source), "-k", "R1")
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout[-2000:]
    assert message.split("*")[0] in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").rglob("*.json"))


def test_a_bad_spec_says_what_is_expected():
    with pytest.raises(ConfigError, match="expected MODULE:CALLABLE"):
        user_models.load_callable("no_colon_here")
    with pytest.raises(ConfigError, match="no such file"):
        user_models.load_callable("missing.py:build")
