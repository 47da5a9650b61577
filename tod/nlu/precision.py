"""Choosing between fp32 and bfloat16 arithmetic for the hardware at hand."""

from __future__ import annotations

from pathlib import Path

import torch

from tod.nlu.config import PRECISIONS


def hardware_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 natively (CUDA, or a CPU with AVX-512 BF16 / AMX).

    Where it does not, bf16 is emulated and slower than fp32, so "auto" must not pick it.
    """
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: do not guess
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_precision(precision: str, device: torch.device) -> str:
    """``"auto"`` becomes ``"bf16"`` where the hardware has it, else ``"fp32"``; others pass through."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, found {precision!r}")
    if precision == "auto":
        return "bf16" if hardware_bf16(device) else "fp32"
    return precision
