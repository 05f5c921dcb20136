"""The imagenet scale (claim I1, Table 2) on a few generated JPEGs in ImageNet's folder layout: the folder
and its manifest, streamed training, a run interrupted after an epoch resuming to bit-identical weights,
and a rehearsal of every I1 case to its judge."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from rethink_core import imagenet
from rethink_core.checkpoint import Checkpoint
from rethink_core.errors import DataError
from rethink_core.experiment import Experiment, Lab, execute, materialize, materialize_streamed, prepared_index
from rethink_core.runplan import TABLE_2_CELLS, every_case, planned_runs, table_2_run
from rethink_core.scales import get_scale, rehearse
from rethink_core.store import Store
from rethink_core.train import Hyper, train

CLAIMS = Path(__file__).resolve().parent.parent / "claims"
REHEARSAL = rehearse(get_scale("imagenet"))


@pytest.fixture
def root(tmp_path, data_files):
    """4 classes, 8 training and 6 validation JPEGs each (48 x 64), under ``root/imagenet``."""
    data_files.write_imagenet(tmp_path / "data")
    imagenet.load_index.cache_clear()
    prepared_index.cache_clear()
    yield tmp_path / "data"
    imagenet.load_index.cache_clear()
    prepared_index.cache_clear()


def test_a_missing_folder_or_split_is_named(tmp_path, root):
    with pytest.raises(DataError, match=r"imagenet/train is missing.*ImageFolder layout"):
        imagenet.load_index(str(tmp_path / "nowhere"))
    shutil.rmtree(root / "imagenet" / "val" / "n00000003")
    with pytest.raises(DataError, match="different classes"):
        imagenet.load_index(str(root))


def test_the_manifest_is_built_once_and_a_changed_folder_is_refused(root):
    index = imagenet.load_index(str(root))
    manifest = json.loads((root / "imagenet" / imagenet.MANIFEST).read_text())
    assert index.fingerprint == f"imagenet-{manifest['content_sha256'][:16]}" and index.num_classes == 4
    assert manifest["files"] == {"train": 32, "val": 24} and len(index.y_train) == 32
    assert imagenet.checked_manifest(root / "imagenet")[0] == manifest  # a second session reads, never rebuilds
    with open(next((root / "imagenet" / "train" / "n00000001").iterdir()), "ab") as f:
        f.write(b"\0")  # one byte more: the listing (paths and sizes) no longer matches
    with pytest.raises(DataError, match="changed since its manifest"):
        imagenet.checked_manifest(root / "imagenet")


def test_the_imagenet_scale_keys_its_image_size_and_leaves_other_keys_alone():
    exp = get_scale("imagenet").experiment("inception_v3")
    assert exp.identity()["image_size"] == 299 and exp.hyper.batch_size == 256
    assert "image_size" not in get_scale("paper").experiment("inception").identity()
    assert exp.key() != replace(exp, image_size=75).key()
    assert [table_2_run(REHEARSAL, cell, 0).model for cell in TABLE_2_CELLS].count("inception_v3_dropout") == 1


def crash_after_first_epoch(row) -> None:
    if row.epoch == 1:
        raise KeyboardInterrupt


def trained(build, hyper: Hyper, checkpoint: Checkpoint | None = None, crash: bool = False) -> dict:
    """The weights after training a freshly built (model, data) with ``hyper``."""
    model, data, _ = build()
    try:
        train(model, data, hyper, seed=7, checkpoint=checkpoint, on_epoch=crash_after_first_epoch if crash else None)
    except KeyboardInterrupt:
        return {}
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("streamed", [True, False], ids=["imagenet-inception_v3-dropout", "embedded-mlp"])
def test_a_run_interrupted_after_an_epoch_resumes_to_bit_identical_weights(root, tmp_path, streamed):
    """Two epochs straight, and one epoch, a crash, then the rest from the checkpoint: the same weights,
    to the bit (CPU, float32), with dropout, augmentation, momentum and weight decay all in play."""
    torch.manual_seed(0)  # the global generator's state must not matter: the checkpoint carries it
    if streamed:
        exp = replace(table_2_run(REHEARSAL, (True, True, True), 0), n_train=16, n_test=8)
        build = lambda: materialize_streamed(exp, "cpu", str(root))  # noqa: E731
    else:
        exp = Experiment("mlp1x512", width=0.05, n_train=64, n_test=32, hyper=Hyper(batch_size=16, augment=True))
        build = lambda: materialize(exp)  # noqa: E731
    hyper = replace(exp.hyper, max_epochs=2, weight_decay=5e-4)
    straight = trained(build, hyper)
    saved = Checkpoint(tmp_path / "run.pt", "k", every_seconds=0)
    assert trained(build, hyper, saved, crash=True) == {} and saved.path.exists()
    torch.manual_seed(123)  # another process's generator: resuming restores the run's own
    resumed = trained(build, hyper, saved)
    assert straight.keys() == resumed.keys()
    assert all(torch.equal(straight[k], resumed[k]) for k in straight)


def test_the_lab_resumes_a_stored_runs_checkpoint_and_deletes_it_when_stored(root, tmp_path):
    exp = replace(table_2_run(REHEARSAL, "random labels", 0), n_train=16, n_test=8)
    exp = replace(exp, hyper=replace(exp.hyper, max_epochs=2))
    lab = Lab(Store(tmp_path / "store"), root=str(root))
    saved = Checkpoint.in_store(lab.store.root, lab.key(exp), every_seconds=0)
    with pytest.raises(KeyboardInterrupt):
        execute(lab.with_fingerprint(exp), root=str(root), on_epoch=crash_after_first_epoch, checkpoint=saved)
    state = torch.load(saved.path, weights_only=True)["state"]
    first_epoch = state["history"]["epochs"][0]
    result = lab.run(exp)  # resumes: the first epoch is the checkpoint's, not trained again
    assert result.history.epochs[0].seconds == first_epoch["seconds"] and len(result.history.epochs) == 2
    assert result.final.test_top5 is not None and not saved.path.exists()
    straight = execute(lab.with_fingerprint(exp), root=str(root))
    assert [e.loss for e in straight.history.epochs] == [e.loss for e in result.history.epochs]


def test_a_rehearsal_of_the_imagenet_scale_reaches_every_i1_judge(pytester, root, monkeypatch):
    shutil.copytree(CLAIMS, pytester.path / "claims")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    store, reports = pytester.path / "store", pytester.path / "reports"
    result = pytester.runpytest_subprocess(
        *("claims", "-p", "rethink_core.plugin", "--scale", "imagenet", "--rehearse", "--device", "cpu"),
        *("--data-root", str(root), "--store-dir", str(store), "--report-dir", str(reports), "-q"),
        *("-p", "no:cacheprovider"),
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-3000:]
    doc = json.loads((reports / "latest" / "results.json").read_text())
    i1 = [case for case in doc["results"] if case["claim"] == "I1"]
    assert len(i1) == 3 and {case["verdict"] for case in i1} == {"rehearsed"}
    assert all(case["plan_hash"] and case["seeds"] == [0] for case in i1)
    others = {case["verdict"] for case in doc["results"] if case["claim"] != "I1"}
    assert others == {"skip"} and "Table 2" in (reports / "latest" / "report.html").read_text()
    stored = {Experiment.from_dict(json.loads(p.read_text())["result"]["experiment"]) for p in store.rglob("*.json")}
    assert {e.describe() for e in stored} == {e.describe() for e in planned_runs(REHEARSAL)}
    assert not list(store.rglob("*.pt")) and os.path.exists(root / "imagenet" / imagenet.MANIFEST)
    plan = pytester.runpytest_subprocess(
        *("claims", "-p", "rethink_core.plugin", "--scale", "imagenet", "--rehearse", "--plan"),
        *("--data-root", str(root), "--store-dir", str(store), "-p", "no:cacheprovider"),
    )
    assert plan.ret == pytest.ExitCode.OK and "all: 5 runs" in plan.stdout.str() and "\nR1 " not in plan.stdout.str()


def test_i1_runs_only_at_the_imagenet_scale():
    assert [claim for claim, _ in every_case(get_scale("imagenet"))] == ["I1"]
    assert all("I1" not in {claim for claim, _ in every_case(get_scale(name))} for name in ("smoke", "paper"))
    assert {e.describe() for e in planned_runs(REHEARSAL)} == {e.describe() for e in map(run_of, TABLE_2_CELLS)}


def run_of(cell) -> Experiment:
    return table_2_run(REHEARSAL, cell, 0)
