"""The paper's numbers that the claim tests print beside ours (CLAIMS.md; Zhang et al. 2017)."""

# Table 1, random-label rows: (train accuracy %, test accuracy %).
RANDOM_LABELS = {
    "inception": (100.0, 9.78),
    "inception_nobn": (100.0, 10.12),
    "alexnet": (99.82, 9.86),
    "mlp3x512": (100.0, 10.48),
    "mlp1x512": (99.34, 10.61),
}

# Table 1, true labels with every explicit regularizer off: (train %, test %).
TRUE_LABELS_UNREGULARIZED = {
    "inception": (100.0, 85.75),
    "inception_nobn": (100.0, 82.00),
    "alexnet": (100.0, 76.07),
    "mlp3x512": (100.0, 52.39),
    "mlp1x512": (100.0, 50.51),
}

FIGURE_1A = (
    "Inception on CIFAR-10 reaches zero training loss on every variant; random labels start converging "
    "later than true labels; random pixels and Gaussian start converging faster than random labels"
)
