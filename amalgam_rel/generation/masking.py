"""How outlines' token masks are applied: once per batch, uncompiled.

outlines 1.3 masks the logits of a batch row by row: per row and per generated token it copies
that row's bitmask to the logits' device, applies it, and copies it back. On the CPU that is
57 small kernel calls per step for a batch of 64 (28 % of generation time for short values);
on a GPU each copy back is a device sync, and generation ran 3-4x slower than on 2 CPU cores.
:func:`prepare_outlines` replaces that step with one that fills every row's bitmask on the CPU
(the guides live there anyway), moves the batch's masks in one copy and applies them in one
call. The guides advance exactly as outlines advances them, so the constraint is unchanged.

The mask kernel is imported only where a mask is applied to a whole vocabulary's logits
(:func:`bitmask_kernel`): its module wraps it in ``torch.compile`` at import, which loads torch's
compiler (~1.3 s) for a kernel the default word model never calls (it masks its own support).

>>> prepare_outlines(); prepare_outlines()  # idempotent
"""

from __future__ import annotations

import torch


def prepare_outlines() -> None:
    """Batched logits masks for every outlines generator in the process (the kernel stays unloaded)."""
    _batch_logits_masks()


def bitmask_kernel():
    """outlines_core's ``apply_token_bitmask_inplace``, running its kernel uncompiled.

    The kernel is wrapped in ``torch.compile``, whose first call costs ~17 s (and needs a compiler)
    for three tensor operations; the eager function is what the wrapper compiles. Only that
    function is replaced: torch.compile stays available to everything else in the process.
    """
    from outlines_core.kernels import torch as kernels

    fn = kernels._apply_token_bitmask_inplace_kernel
    kernels._apply_token_bitmask_inplace_kernel = getattr(fn, "_torchdynamo_orig_callable", fn)
    return kernels.apply_token_bitmask_inplace


def _batch_logits_masks() -> None:
    from outlines.backends.outlines_core import OutlinesCoreLogitsProcessor

    if getattr(OutlinesCoreLogitsProcessor.process_logits, "_batched", False):
        return
    per_row = OutlinesCoreLogitsProcessor.process_logits

    def process_logits(self, input_ids, logits):
        if self.tensor_library_name != "torch":
            return per_row(self, input_ids, logits)
        return _masked(self, input_ids, logits)

    process_logits._batched = True
    process_logits.per_row = per_row  # outlines' own, for comparison
    OutlinesCoreLogitsProcessor.process_logits = process_logits


def _masked(processor, input_ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    from outlines_core.kernels.torch import fill_next_token_bitmask

    apply_token_bitmask_inplace = bitmask_kernel()

    batch_size, vocab_size = input_ids.shape[0], logits.shape[1]
    if processor.is_first_token:
        processor._setup(batch_size, vocab_size)
        processor.is_first_token = False
        processor._batch_masks = torch.full((batch_size, (vocab_size + 31) // 32), -1, dtype=torch.int32)
    else:
        # one device read for the batch, not one per row
        for guide, token in zip(processor._guides, input_ids[:, -1].tolist()):
            # as outlines does (outlines_core issue #227): a finished guide advances only on a token it accepts
            if not guide.is_finished() or guide.accepts_tokens([token]):
                guide.advance(token_id=token, return_tokens=False)
    masks = processor._batch_masks
    for i, guide in enumerate(processor._guides):
        fill_next_token_bitmask(guide, masks[i : i + 1])
    apply_token_bitmask_inplace(logits, masks.to(logits.device))
    return logits
