"""Declared deviations: claim cases known not to reproduce at a given scale.

A deviation is a finding, declared here after an honest try and never to make a run pass: the case
still trains, measures and records like any other, and pytest reports it as an xfail with the
reason below (an XPASS when the claim holds after all). The report counts deviations apart from
pass, fail and skip, and lists each with its reason and the command that measured it. Nothing is
declared for the ``paper`` scale without a paper-scale run behind it.

(Where every scale departs from the paper's *protocol* is another list: ``scales.DEPARTURES``.)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Deviation:
    claim: str  # claim id, e.g. "R3"
    case: str  # the case as the claim records it, e.g. "mlp1x512 trend"
    scales: tuple[str, ...]  # the scales it is known at
    reason: str  # one line: what we measured instead of the paper's outcome
    command: str  # what measured it
    datasets: tuple[str, ...] = ("embedded",)  # the data sets it was measured on


# Measured by `python tools/verdict_stability.py --scale default --rounds 5` (first seeds 0, 2, 4, 6, 8;
# 2026-12-01, AMD EPYC): the within-seed one-sided p of Figure 1b's trend per draw.
TREND_COMMAND = "python tools/verdict_stability.py --scale default --rounds 5"

DEVIATIONS = (
    Deviation(
        claim="R3",
        case="mlp1x512 trend",
        scales=("default",),
        reason="the MLP's time to overfit jumps at p = 0.2 and stays flat beyond it (p 0.23-0.56 over 5 draws of "
        "2 seeds; the same at widths 0.125-1, 25-204 parameters per image): on 2,000 Fashion-MNIST images it "
        "does not grow with p as in Figure 1b, though the slowdown stays a small constant factor",
        command=f"{TREND_COMMAND}; python tools/r3_overparameterization.py --sizes 2000 --widths 1 0.5 0.25 0.125 "
        "--levels 0 0.2 0.4 0.6 0.8 1 --seeds 2 --max-epochs 1000",
    ),
    Deviation(
        claim="R3",
        case="inception trend",
        scales=("default",),
        reason="Inception (width 0.125, 384 images) fits every corruption level in about 40 epochs: no trend "
        "(p 0.057-0.61 over 5 draws of 2 seeds here; an Intel machine gave p 0.002 on seeds 0-1, whose float "
        "rounding changes the epochs)",
        command=TREND_COMMAND,
    ),
    Deviation(
        claim="R3",
        case="alexnet trend",
        scales=("default",),
        reason="undecided with 2 seeds: AlexNet (width 0.25, 250 images) shows the trend on 4 of 5 draws (p "
        "0.0001-0.003) and not on seeds 2-3 (p 0.023); 2 more seeds of the sweep would add about 13 minutes on "
        "2 cores to the default suite",
        command=TREND_COMMAND,
    ),
    Deviation(
        claim="G2",
        case="alexnet",
        scales=("default",),
        reason="the paper's AlexNet with weight decay failed to converge on random labels; ours (width 0.25, "
        "250 Fashion-MNIST images, weight decay 5e-4: the paper does not state its coefficient) fits them in "
        "about 190 epochs",
        command="pytest claims -k G2",
    ),
)


# The follow-up claims (docs/findings.md, "The follow-up claims at default").
FOLLOWUPS = (
    Deviation(
        claim="A1",
        case="alexnet",
        scales=("default",),
        reason="undecided with 2 seeds: AlexNet (width 0.25, 250 images) fits changed labels after kept ones on "
        "every draw (9-11 epochs later on average), but the sign-flip test over the 8 runs reaches 0.01 on seeds "
        "0-1 and 2-3 and not on 4-5 and 6-7 (p 3/256 = 0.012: one run in reverse order or tied); on 500 images "
        "it missed on 1 of 4 draws (seeds 2-3, p 0.016)",
        command='PYTEST_ADDOPTS="-k alexnet" python tools/verdict_stability.py --scale default --rounds 3 --first 2',
    ),
    Deviation(
        claim="A1",
        case="inception",
        scales=("default",),
        reason="Inception (width 0.125, 384 images, BatchNorm, learning rate 0.1) fits kept and changed labels at "
        "about the same epoch (33-42): 1.9 epochs apart on average on seeds 0-1 (sign-flip p 0.031), 4 of 8 "
        "runs at the same epoch on seeds 2-3 (p 0.063); its test accuracy rises to the end, when both are fit. "
        "The MLP and AlexNet show the order (p 1/256)",
        command='pytest claims -k "A1 and inception" [--first-seed 2]',
    ),
    Deviation(
        claim="A3",
        case="mlp1x512 + dropout 0.5",
        scales=("smoke", "default"),
        reason="at 200-800 weights per image (407,050 weights on 2,000 or 500 images) dropout 0.5 barely slows "
        "memorization: in the epochs the plain MLP needs to fit random labels it reaches 97.7% (default) and "
        "98.2% (smoke) of them. At rate 0.9 (not the claim's, fixed before any run) it reaches 56% while test "
        "accuracy rises 1.5 points (seeds 0-1, default): the effect needs a higher rate at this many weights per image",
        command="pytest claims -k A3; python tools/a3_dropout_rates.py --rates 0.5 0.7 0.9 --seeds 2",
    ),
    Deviation(
        claim="M1",
        case="mlp1x512",
        scales=("smoke",),
        reason="after 55 epochs on 500 images the first layer's energy in the data's top 10 directions rises only "
        "from 1.3% to 2.3% (1.8x; 2.7x at default, after 94 epochs on 2,000): the random initialization keeps most "
        "of the energy, though the change itself puts 9.2% (7x k/d) there; borderline at this size: it held on 2 "
        "of 5 other seed draws (bf16)",
        command="pytest claims --scale smoke -k M1; RETHINK_PRECISION=bf16 python tools/verdict_stability.py "
        "--scale smoke --rounds 5 --first 1",
    ),
)


def declared(claim: str, case: str, scale: str, dataset: str) -> Deviation | None:
    """The deviation declared for this claim case at this scale and data set, if any."""
    for deviation in DEVIATIONS + FOLLOWUPS:
        if (deviation.claim, deviation.case) == (claim, case) and scale in deviation.scales:
            if dataset in deviation.datasets:
                return deviation
    return None
