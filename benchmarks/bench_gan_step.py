"""Time a generator step of anndl's GAN loop against a plain torch loop over the same networks.

    python benchmarks/bench_gan_step.py              # every set-up, 3 rounds
    python benchmarks/bench_gan_step.py --quick      # fewer steps, a smoke run

Set-ups: the wgan_mnist MLPs (100-256-256-784 generator, 784-256-256-1 critic, batch 64) under
each objective (bce 1:1, wgan-clip and wgan-gp with 5 critic steps per generator step), and the
course's DCGAN (generator 256-256-128, discriminator 32-64-128, batch 32) on 32x32 digits, with
the simultaneous update of the course notebook and the alternating one.

The peer is written here: a bare torch loop doing the same arithmetic per generator step
(same networks from the same initial weights, same optimisers, same batch indexing of a
per-epoch shuffle, same losses, the same number of forward and backward passes) and nothing
else: no history, snapshots, checks or checkpoints. anndl's loop is ``train_gan`` with the
shipped configs' logging (6 snapshots of 36 fixed latent vectors, no checkpoints). Both run in
this process with the same torch thread count, in interleaved rounds; each keeps its fastest
round, timed in process CPU time (the machine is shared: CPU time is what a loop costs, wall
time is kept in the JSON too). The ratio is anndl's time per generator step over the plain loop's (target: <= 1.2).
Prints a table and writes benchmarks/results/bench_gan_step.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from anndl.nn.adversarial import training as gan_training
from anndl.nn.adversarial.models import DCGANDiscriminator, DCGANGenerator, MLPCritic, MLPGenerator

RESULTS = Path(__file__).resolve().parent / "results" / "bench_gan_step.json"

SETUPS = {
    # name: (objective, update, network kind, batch, critic steps, optimiser settings)
    "mlp bce": ("bce", "alternating", "mlp", 64, 1, {"optimiser": "adam", "lr": 2e-4, "betas": (0.5, 0.999)}),
    "mlp wgan-clip": ("wgan-clip", "alternating", "mlp", 64, 5, {"optimiser": "rmsprop", "lr": 5e-5}),
    "mlp wgan-gp": ("wgan-gp", "alternating", "mlp", 64, 5, {"optimiser": "adam", "lr": 1e-4, "betas": (0.0, 0.9)}),
    "dcgan simultaneous": ("bce", "simultaneous", "dcgan", 32, 1,
                           {"optimiser": "adam", "lr": 2e-4, "betas": (0.5, 0.999)}),
    "dcgan alternating": ("bce", "alternating", "dcgan", 32, 1,
                          {"optimiser": "adam", "lr": 2e-4, "betas": (0.5, 0.999)}),
}


def networks(kind: str, seed: int = 0):
    torch.manual_seed(seed)
    if kind == "mlp":
        return MLPGenerator(), MLPCritic()
    return DCGANGenerator(100, 1), DCGANDiscriminator(1)


def images(kind: str, n: int, seed: int = 0) -> np.ndarray:
    side = 28 if kind == "mlp" else 32
    return np.tanh(np.random.default_rng(seed).normal(size=(n, 1, side, side))).astype(np.float32)


def optimiser(settings: dict, params):
    return gan_training.make_optimiser(settings["optimiser"], params, settings["lr"],
                                       settings.get("betas", (0.9, 0.999)))


def plain_loop(generator, critic, data: np.ndarray, *, objective: str, update: str, batch_size: int,
               critic_steps: int, steps: int, settings: dict, seed: int = 0) -> None:
    """The peer: ``steps`` generator steps of the same algorithm as anndl's, nothing else."""
    x = torch.from_numpy(data)
    opt_g, opt_d = optimiser(settings, generator.parameters()), optimiser(settings, critic.parameters())
    noise = torch.Generator().manual_seed(seed)
    latent = generator.latent_dim
    per_epoch = len(x) // batch_size
    done, batch, order = 0, per_epoch, None
    while done < steps:
        for _ in range(critic_steps):
            if batch == per_epoch:
                order, batch = torch.randperm(len(x), generator=noise), 0
            real = x[order[batch * batch_size:(batch + 1) * batch_size]]
            batch += 1
            z = torch.randn(batch_size, latent, generator=noise)
            if objective == "bce":
                fake = generator(z)
                out_real, out_fake = critic(real), critic(fake.detach() if update == "alternating" else fake)
                d_loss = (F.binary_cross_entropy_with_logits(out_real, torch.ones_like(out_real))
                          + F.binary_cross_entropy_with_logits(out_fake, torch.zeros_like(out_fake)))
            else:
                with torch.no_grad():
                    fake = generator(z)
                d_loss = critic(fake).mean() - critic(real).mean()
                if objective == "wgan-gp":
                    eps = torch.rand(batch_size, 1, 1, 1, generator=noise)
                    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
                    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
                    d_loss = d_loss + 10.0 * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
            if update == "simultaneous":
                g_loss = F.binary_cross_entropy_with_logits(out_fake, torch.ones_like(out_fake))
                g_grads = torch.autograd.grad(g_loss, list(generator.parameters()), retain_graph=True)
                d_grads = torch.autograd.grad(d_loss, list(critic.parameters()))
                for p, g in zip(generator.parameters(), g_grads, strict=True):
                    p.grad = g
                for p, g in zip(critic.parameters(), d_grads, strict=True):
                    p.grad = g
                opt_d.step()
                opt_g.step()
                continue
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            if objective == "wgan-clip":
                with torch.no_grad():
                    for p in critic.parameters():
                        p.clamp_(-0.01, 0.01)
        if update == "simultaneous":
            done += 1
            continue
        if objective != "bce":
            fake = generator(torch.randn(batch_size, latent, generator=noise))
        out_fake = critic(fake)
        g_loss = (F.binary_cross_entropy_with_logits(out_fake, torch.ones_like(out_fake)) if objective == "bce"
                  else -out_fake.mean())
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        done += 1


def anndl_loop(generator, critic, data: np.ndarray, *, objective: str, update: str, batch_size: int,
               critic_steps: int, steps: int, settings: dict, seed: int = 0) -> int:
    """anndl's ``train_gan`` for ``steps`` generator steps with the shipped configs' logging."""
    method = gan_training.GanMethod(objective=objective, update=update, critic_steps=critic_steps,
                                    optimiser=settings["optimiser"], lr=settings["lr"],
                                    betas=list(settings.get("betas", (0.9, 0.999))), clip=0.01)
    budget = gan_training.GanBudget(generator_steps=steps, batch_size=batch_size, snapshots=6)
    history = gan_training.train_gan(generator, critic, data, method, budget, seed=seed, device="cpu", n_fixed=36)
    return len(history.g_loss)


def time_setups(names, steps: int, rounds: int) -> list[dict]:
    rows = []
    for name in names:
        objective, update, kind, batch_size, critic_steps, settings = SETUPS[name]
        data = images(kind, 20 * batch_size)
        initial = networks(kind)
        best = {"anndl": np.inf, "plain torch": np.inf}
        wall = {"anndl": np.inf, "plain torch": np.inf}
        for _ in range(rounds):
            for method, loop in (("anndl", anndl_loop), ("plain torch", plain_loop)):
                generator, critic = copy.deepcopy(initial)
                start, start_cpu = time.perf_counter(), time.process_time()
                loop(generator, critic, data, objective=objective, update=update, batch_size=batch_size,
                     critic_steps=critic_steps, steps=steps, settings=settings)
                best[method] = min(best[method], time.process_time() - start_cpu)
                wall[method] = min(wall[method], time.perf_counter() - start)
        ms = {m: 1e3 * t / steps for m, t in best.items()}
        rows.append({"setup": name, "objective": objective, "update": update, "batch_size": batch_size,
                     "critic_steps": critic_steps, "generator_steps": steps, "rounds": rounds,
                     "anndl_ms_per_generator_step": ms["anndl"],
                     "plain_torch_ms_per_generator_step": ms["plain torch"],
                     "ratio": ms["anndl"] / ms["plain torch"],
                     "wall_ms_per_generator_step": {m: 1e3 * t / steps for m, t in wall.items()}})
        print(f"{name:20s} {ms['anndl']:9.2f} {ms['plain torch']:9.2f} {rows[-1]['ratio']:7.3f}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="generator steps per timed run")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds; the fastest is kept")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the report's workers use 1)")
    parser.add_argument("--only", nargs="*", choices=list(SETUPS), default=list(SETUPS))
    parser.add_argument("--quick", action="store_true", help="10 steps, 1 round, no JSON")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.rounds = 10, 1
    torch.set_num_threads(args.threads)
    print(f"{'set-up':20s} {'anndl':>9s} {'plain':>9s} {'ratio':>7s}   (ms per generator step, "
          f"{torch.get_num_threads()} thread(s))")
    rows = time_setups(args.only, args.steps, args.rounds)
    if args.quick:
        return
    out = {"what": "ms per generator step, anndl's train_gan vs a plain torch loop over the same networks "
                   "and batches (fastest of interleaved rounds)",
           "machine": {"platform": platform.platform(), "python": platform.python_version(),
                       "threads": torch.get_num_threads()},
           "versions": {"torch": torch.__version__, "numpy": np.__version__},
           "rows": rows}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
