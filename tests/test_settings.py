"""The session's settings: resolved once, from the options alone, as runs train under them; and the
rule that nothing but the plugin and the settings object reads an option or a setting's environment
variable, and that no claim branches on a scale's name (what a scale runs lives in ``Scale``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rethink_core.errors import ConfigError
from rethink_core.scales import SCALES, rehearse
from rethink_core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
OPTION_READERS = {ROOT / "rethink_core" / "plugin.py", ROOT / "rethink_core" / "settings.py"}
DEFAULTS = {
    "--scale": "smoke",
    "--dataset": None,
    "--seeds": None,
    "--first-seed": 0,
    "--model": [],
    "--lr": None,
    "--batch-size": None,
    "--weight-decay": None,
    "--max-epochs": None,
    "--train-images": None,
    "--rehearse": False,
    "--device": "cpu",
    "--gpus-per-run": 1,
    "--precision": "float32",
    "--data-root": None,
    "--download": False,
    "--store-dir": "store",
    "--report-dir": "reports",
    "--plan": False,
    "--shard": None,
    "--no-train": False,
    "--executor": "local",
    "--ray-address": None,
}


def settings(**given) -> Settings:
    options = {**DEFAULTS, **{"--" + k.replace("_", "-"): v for k, v in given.items()}}
    return Settings.from_options(options.__getitem__)


def option_reads(tree: ast.AST) -> list[str]:
    """``getoption(...)``, ``config.option.X``, ``os.environ`` and ``os.getenv`` in a syntax tree."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("getoption", "environ", "getenv"):
            found.append(f"line {node.lineno}: .{node.attr}")
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "option"
            and isinstance(node.value, (ast.Name, ast.Attribute))
        ):
            found.append(f"line {node.lineno}: .option")
    return found


def scale_name_branches(tree: ast.AST) -> list[int]:
    """Lines that compare a scale's name (``scale.name == ...``, ``scale.name in (...)``)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(isinstance(n, ast.Attribute) and n.attr == "name" for n in [node.left, *node.comparators])
    ]


def python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def test_only_the_plugin_and_the_settings_read_options_or_environment_variables():
    offenders = {
        str(path.relative_to(ROOT)): reads
        for path in python_files("rethink_core", "claims")
        if path not in OPTION_READERS and (reads := option_reads(ast.parse(path.read_text())))
    }
    assert not offenders, f"options or environment variables read outside the settings: {offenders}"


def test_no_claim_branches_on_a_scale_name():
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in python_files("claims")
        if (lines := scale_name_branches(ast.parse(path.read_text())))
    }
    assert not offenders, f"branches on a scale's name (put what differs into Scale): {offenders}"


def test_settings_are_resolved_once_as_runs_train_under_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = settings(precision="auto", data_root="data")
    assert s.precision in ("float32", "bf16") and s.precision_choice == "auto"
    assert s.device == "cpu" and s.precision_on("cpu") == s.precision
    assert s.store_dir == tmp_path / "store" and s.report_dir == tmp_path / "reports"
    assert s.data_root == tmp_path / "data" and s.root == str(tmp_path / "data")
    assert s.store is s.store  # one store per process
    lab = s.lab()
    assert (lab.device, lab.precision, lab.root, lab.store) == ("cpu", s.precision, s.root, s.store)


def test_settings_carry_the_scale_with_its_theory_sizes_and_rehearsal():
    assert settings().scale.theory == SCALES["smoke"].theory
    rehearsed = settings(rehearse=True).scale
    assert rehearsed.rehearsal and rehearsed.theory == rehearse(SCALES["smoke"]).theory
    assert rehearsed.theory.t3_train < SCALES["smoke"].theory.t3_train
    assert SCALES["paper"].theory.kernel_dataset == "mnist" and SCALES["full"].theory.kernel_dataset is None
    assert rehearse(SCALES["paper"]).theory.kernel_dataset == "mnist"  # a rehearsal takes the scale's data


@pytest.mark.parametrize(
    "given, message",
    [
        ({"precision": "half"}, "unknown precision"),
        ({"device": "tpu"}, "unknown device"),
        ({"scale": "huge"}, "unknown scale"),
        ({"seeds": 0}, "--seeds"),
        ({"lr": 0.1}, "given without --model"),
    ],
)
def test_a_bad_setting_is_refused_in_one_line(given, message):
    with pytest.raises(ConfigError, match=message):
        settings(**given)


def test_a_shard_is_one_of_n_and_every_key_falls_in_exactly_one():
    assert settings(shard="2/3").shard == (2, 3) and settings().shard is None and settings(no_train=True).train is False
    for bad in ("0/3", "4/3", "1", "a/b"):
        with pytest.raises(ConfigError, match="--shard"):
            settings(shard=bad)
    keys = [f"{k:032x}" for k in range(0, 10_000, 37)]
    owners = [[i for i in (1, 2, 3) if settings(shard=f"{i}/3").in_shard(key)] for key in keys]
    assert all(len(o) == 1 for o in owners) and {o[0] for o in owners} == {1, 2, 3}


def test_gpus_per_run_is_one_unless_a_node_has_the_gpus():
    assert settings(scale="imagenet").scale.experiment("inception_v3").world_size == 1
    with pytest.raises(ConfigError, match="--gpus-per-run 2: .*the device is the CPU"):
        settings(scale="imagenet", gpus_per_run=2)
