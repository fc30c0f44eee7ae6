"""Draw one token per row from its probabilities, with one uniform number per row.

Every uniform number comes from the caller's ``torch.Generator`` (on the CPU, whatever the
model's device), never from torch's global one, so a column's draws are a function of its seed.

>>> import torch
>>> p, g = torch.tensor([[0.0, 0.25, 0.75]]), torch.Generator().manual_seed(0)
>>> draws = torch.cat([draw(p.expand(1000, 3), g) for _ in range(4)])
>>> (draws == 0).any().item(), abs((draws == 2).float().mean().item() - 0.75) < 0.03
(False, True)
"""

from __future__ import annotations

import torch

DRAW_BLOCK = 64  # tokens per block of a wide row's draw (see draw_blocks)


def draw(probs: torch.Tensor, generator: torch.Generator | None = None, u: torch.Tensor | None = None,
         rows: torch.Tensor | None = None) -> torch.Tensor:
    """One token per row, drawn with the rows' probabilities: the first whose cumulative mass
    passes a uniform draw. One random number per row (``u``, else from ``generator``), on the
    CPU (the same numbers on any device); ``torch.multinomial`` and an exponential race cost
    3-4x more at a few thousand tokens. A wide row goes by blocks (:func:`draw_blocks`).

    ``rows``: the row of ``probs`` each draw reads (rows that share their probabilities share
    one row of them, each with its own number ``u``); None: one draw per row."""
    if u is None:
        u = torch.rand((probs.shape[0] if rows is None else len(rows), 1), dtype=torch.float64, generator=generator)
    u = u.to(probs.device)
    if probs.shape[1] < 4 * DRAW_BLOCK:
        return draw_exact(probs, u, rows)
    return draw_blocks(probs, u, rows)


def draw_exact(probs: torch.Tensor, u: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
    """:func:`draw` over each row's whole cumulative sum."""
    cdf = probs.cumsum(dim=-1, dtype=torch.float64)  # each probability made double, then summed
    if rows is not None:
        cdf = cdf.index_select(0, rows)
    u = u * cdf[:, -1:]
    picked = torch.searchsorted(cdf, u, right=True).squeeze(1)
    # u * total may round up to the total itself: past the end, take the likeliest token
    past = picked >= probs.shape[1]
    if not bool(past.any()):
        return picked
    likeliest = probs.argmax(dim=-1)
    return torch.where(past, likeliest if rows is None else likeliest[rows], picked)


def draw_blocks(probs: torch.Tensor, u: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
    """:func:`draw_exact` in two stages: the block of ``DRAW_BLOCK`` tokens whose cumulative
    mass passes the draw (vectorised block sums, where a row's running sum is one sequential
    pass), then the token within it. The sums agree up to their last bits, so a row draws the
    same token unless its number falls within ~1e-16 of a boundary; a row whose target rounds
    past its block, or the end, takes the exact path."""
    n, width = probs.shape
    full = width - width % DRAW_BLOCK
    # made double, then summed: the same sums as ``sum(dtype=float64)``, in two fast passes
    sums = probs[:, :full].double().reshape(n, -1, DRAW_BLOCK).sum(dim=-1)
    if full < width:
        sums = torch.cat([sums, probs[:, full:].sum(dim=-1, keepdim=True, dtype=torch.float64)], dim=1)
    running = sums.cumsum(dim=-1)
    if rows is not None:
        running = running.index_select(0, rows)
    target = u * running[:, -1:]
    block = torch.searchsorted(running, target, right=True).squeeze(1).clamp_(max=running.shape[1] - 1)
    before = torch.where(block > 0, running.gather(1, (block - 1).clamp(min=0)[:, None]).squeeze(1), 0.0)
    cols = block[:, None] * DRAW_BLOCK + torch.arange(DRAW_BLOCK, device=probs.device)[None, :]
    if rows is None:
        inside = probs.gather(1, cols.clamp(max=width - 1))
    else:  # each draw's block, read from its shared row
        inside = probs.reshape(-1)[rows[:, None] * width + cols.clamp(max=width - 1)]
    inside = inside.double().masked_fill_(cols >= width, 0.0)
    within = torch.searchsorted(before[:, None] + inside.cumsum(dim=-1), target, right=True).squeeze(1)
    picked = block * DRAW_BLOCK + within
    odd = (within >= DRAW_BLOCK) | (picked >= width)
    if bool(odd.any()):
        at = odd.nonzero().squeeze(1)
        picked[at] = draw_exact(probs[at] if rows is None else probs[rows[at]], u[at])
    return picked
