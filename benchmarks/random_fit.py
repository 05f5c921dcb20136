"""Time one paper-shape random-label fit on generated data (no data set, no network needed).

Random uint8 images at ``--shape`` (CIFAR-10's 3 x 32 x 32 by default), preprocessed like real
data (crop to 28 x 28, per-image whitening), random labels, the paper's hyperparameters for the
model; trained by rethink_core.train.train until 100% training accuracy or ``--max-epochs``:
    python benchmarks/random_fit.py --model inception --images 5000 --device cuda
"""

from __future__ import annotations

import argparse

from benchlib import add_run_options, build, generated_tensors, machine, setup, timed, write_json

from rethink_core.models import PAPER_LR, is_convolutional
from rethink_core.precision import resolve_precision
from rethink_core.train import Hyper, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mlp1x512")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--max-epochs", type=int, default=100)
    add_run_options(parser)
    args = parser.parse_args()
    device = setup(args)
    conv = is_convolutional(args.model)
    data = generated_tensors(args.images, args.n_test, tuple(args.shape), device, channels_last=conv)
    model = build(args.model, args.width, tuple(data.x_train.shape[1:]), device)
    hyper = Hyper(lr=PAPER_LR[args.model], max_epochs=args.max_epochs, test_every=5)
    precision = resolve_precision(args.precision, device.type)
    history, seconds = timed(
        lambda: train(model, data, hyper, compile_mode="1" if args.compile else "", precision=precision), device
    )
    epochs = len(history.epochs)
    result = {
        "model": args.model,
        "width": args.width,
        "images": args.images,
        "input": list(data.x_train.shape[1:]),
        "device": str(device),
        "status": history.status,
        "epochs": epochs,
        "seconds": seconds,
        "seconds_per_epoch": seconds / epochs,
        "final_train_acc": history.epochs[-1].train_acc_eval or history.epochs[-1].train_acc,
        "final_test_acc": history.epochs[-1].test_acc,
    }
    print(machine())
    print(
        f"{args.model} (width {args.width:g}) on {args.images} generated {'x'.join(map(str, args.shape))} images, "
        f"random labels, {device}: {history.status} after {epochs} epochs, {seconds:.1f} s "
        f"({seconds / epochs:.3f} s/epoch), train acc {result['final_train_acc']:.4f}"
    )
    write_json(args.json, {"machine": machine(), "args": vars(args), "result": result})


if __name__ == "__main__":
    main()
