"""Training progress on the terminal: a line per finished run (under pytest-xdist too: workers write
to their inherited stderr with capture suspended); without xdist, on a TTY, a rich progress bar of
the run in training (epochs against the cap, loss, running accuracy)."""

from __future__ import annotations

import contextlib
import sys
from contextlib import AbstractContextManager

import pytest

from rethink_core.experiment import Experiment, RunResult
from rethink_core.train import Epoch


class Progress:
    """The ``on_epoch`` and ``on_finish`` callbacks of the claims' :class:`~rethink_core.experiment.Lab`."""

    def __init__(self, config: pytest.Config, worker: str | None) -> None:
        self.config, self.worker = config, worker
        self.bar, self.task = None, None
        reporter = config.pluginmanager.getplugin("terminalreporter")
        if worker is None and reporter is not None and reporter.isatty:
            self.bar = _bar(config.get_terminal_writer().fullwidth)

    def epoch(self, exp: Experiment, row: Epoch) -> None:
        if self.bar is None:
            return
        status = f"loss {row.loss:.3f} acc {row.train_acc:.3f}"
        with self._suspended_capture():
            if self.task is None:
                self.bar.start()
                self.task = self.bar.add_task(exp.describe(), total=exp.hyper.max_epochs, status=status)
            self.bar.update(self.task, completed=row.epoch, status=status)
            self.bar.refresh()

    def finished(self, result: RunResult, reused: bool) -> None:
        if reused:
            return
        with self._suspended_capture():
            if self.bar is not None and self.task is not None:
                self.bar.remove_task(self.task)
                self.bar.stop()
                self.task = None
            who = f"[{self.worker}] " if self.worker else ""
            sys.stderr.write(
                f"\n  {who}trained {result.experiment.describe()}: {result.history.status} after "
                f"{len(result.history.epochs)} epochs, {result.seconds:.1f} s, test acc {result.test_acc:.3f}\n"
            )
            sys.stderr.flush()

    def _suspended_capture(self) -> AbstractContextManager:
        capman = self.config.pluginmanager.getplugin("capturemanager")
        return capman.global_and_fixture_disabled() if capman else contextlib.nullcontext()


def _bar(width: int):  # noqa: ANN202 - a rich Progress
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(
        TextColumn("  {task.description}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        console=Console(file=sys.__stderr__, force_terminal=True, width=width),
        auto_refresh=False,  # drawn only while capture is suspended (see Progress.epoch)
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    )
