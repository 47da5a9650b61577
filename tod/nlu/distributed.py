"""Data-parallel training over several processes, through ``torch.distributed`` (DDP).

A launcher starts N copies of the same command and tells each one its place in environment
variables: ``torchrun --nproc_per_node N`` (one machine, or several with ``--nnodes`` and a
rendezvous) and ``accelerate launch`` (which runs torchrun's launcher) both set ``RANK``,
``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``. :func:`setup` joins the
process group those variables describe (NCCL on GPUs, each process on the GPU of its local rank;
gloo on CPUs). Without them, or with ``WORLD_SIZE=1``, nothing here does anything and training
is the single process it always was.

In a group every process builds the same model from the same seed and draws the same shuffled
batches; each takes its own share of them (:func:`shard`), ``DistributedDataParallel`` averages
the gradients, so the copies stay equal step by step, and process 0 alone evaluates on dev,
prints and writes the model while the others wait (:func:`barrier`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Sequence, TypeVar

import torch
import torch.distributed as dist

from tod.errors import ConfigError

T = TypeVar("T")

#: How long a process waits at a collective for the others. Process 0 evaluates on dev after each
#: epoch (and at the end also writes the model) while the others wait at a barrier, which on a CPU
#: and a large dev set takes longer than torch's default of 10 (NCCL) or 30 (gloo) minutes. A
#: process that fails does not leave the others waiting this long: the launcher stops them.
TIMEOUT = timedelta(hours=2)


@dataclass(frozen=True)
class World:
    """This process's place among the training processes (a single process: rank 0 of 1, no group)."""

    rank: int = 0
    size: int = 1
    backend: str | None = None

    @property
    def distributed(self) -> bool:
        """Whether a process group is in use (then the model is wrapped in DDP, even for one process)."""
        return self.backend is not None

    @property
    def main(self) -> bool:
        """Whether this process is the one that evaluates, prints and writes."""
        return self.rank == 0


def launched() -> bool:
    """Whether a launcher started this process as one of several (``WORLD_SIZE`` > 1)."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        return False


def current() -> World:
    """The process group in use, if any (set up by :func:`setup` or by the caller)."""
    if not (dist.is_available() and dist.is_initialized()):
        return World()
    return World(dist.get_rank(), dist.get_world_size(), str(dist.get_backend()))


def setup() -> World:
    """Join the launcher's process group if this process was launched as one of several.

    Idempotent: a group already set up (here or by the caller) is used as it is. On GPUs each
    process takes the GPU of its ``LOCAL_RANK``, made the current device before any model is built
    so that ``"cuda"`` means that GPU."""
    if (dist.is_available() and dist.is_initialized()) or not launched():
        return current()
    if not dist.is_available():
        raise RuntimeError("this torch build has no torch.distributed, so it cannot train over several processes")
    if torch.cuda.is_available():
        local_rank, gpus = int(os.environ.get("LOCAL_RANK", "0")), torch.cuda.device_count()
        if local_rank >= gpus:
            raise ConfigError(
                f"process {local_rank} of this machine has no GPU of its own: the machine has {gpus} (NCCL needs "
                f"one per process); launch at most {gpus} per machine (--nproc_per_node {gpus}), or hide the GPUs "
                "(CUDA_VISIBLE_DEVICES=) to train on the CPUs"
            )
        torch.cuda.set_device(local_rank)
        backend = "nccl"
    else:
        backend = "gloo"
    dist.init_process_group(backend, timeout=TIMEOUT)
    return current()


def shutdown() -> None:
    """Leave the process group (no collective: a process that failed must not wait for the others)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def shard(batches: Sequence[T], world: World) -> list[T]:
    """This process's share of an epoch's batches: every ``world.size``-th one, from its rank.

    Every process must take the same number of steps (each step's gradient averaging waits for all
    of them), so the list is first padded to a multiple of ``world.size`` with its own first batches,
    as ``torch.utils.data.DistributedSampler`` pads. Without padding the shares are disjoint and
    together are the epoch."""
    if world.size == 1:
        return list(batches)
    if not batches:
        raise ValueError("an epoch without batches cannot be shared out")
    missing = -len(batches) % world.size
    padded = list(batches) + [batches[i % len(batches)] for i in range(missing)]
    return padded[world.rank :: world.size]


def wrap(model: torch.nn.Module, world: World) -> torch.nn.Module:
    """The module to train: ``model`` itself, or ``model`` in ``DistributedDataParallel`` in a group.

    Plain DDP: every trainable weight of the joint model reaches the loss at every step (the encoder's
    pooler is never loaded, frozen embeddings are not trainable). ``static_graph`` and
    ``find_unused_parameters`` are not options here: both look for the graph through the tensors of
    the forward's output, and DDP cannot see into the model's output dataclass (with ``static_graph``
    the gradients were then silently never averaged; :func:`check_in_step` caught it)."""
    if not world.distributed:
        return model
    from torch.nn.parallel import DistributedDataParallel

    cuda = next(model.parameters()).is_cuda
    return DistributedDataParallel(model, device_ids=[torch.cuda.current_device()] if cuda else None)


def _device(world: World) -> torch.device:
    return torch.device("cuda", torch.cuda.current_device()) if world.backend == "nccl" else torch.device("cpu")


def barrier(world: World) -> None:
    """Wait until every process has come here (nothing to wait for outside a group)."""
    if world.distributed:
        if world.backend == "nccl":
            dist.barrier(device_ids=[torch.cuda.current_device()])
        else:
            dist.barrier()


def mean(value: float, world: World) -> float:
    """The mean of ``value`` over the processes (``value`` itself outside a group)."""
    if not world.distributed:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=_device(world))
    dist.all_reduce(tensor)
    return float(tensor.item()) / world.size


def check_in_step(model: torch.nn.Module, world: World) -> None:
    """Raise if the processes' copies of ``model`` differ: gradient averaging keeps them equal, so a
    difference means a process trained on its own (e.g. a step taken outside DDP)."""
    if not world.distributed:
        return
    with torch.no_grad():
        weights = [p.detach().double() for p in model.parameters()]
        local = torch.stack([sum(w.sum() for w in weights), sum(w.pow(2).sum() for w in weights)])  # type: ignore[misc]
        local = local.to(_device(world))
    gathered = [torch.zeros_like(local) for _ in range(world.size)]
    dist.all_gather(gathered, local)
    for rank, other in enumerate(gathered):
        if not torch.allclose(other, gathered[0], rtol=1e-9, atol=1e-9):
            raise RuntimeError(
                f"the model copies of process 0 and process {rank} differ after training "
                f"(weight sums {gathered[0].tolist()} and {other.tolist()}): gradients were not averaged"
            )
