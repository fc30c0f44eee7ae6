"""Transformer language models: a user's model (``--llm``), fine-tuned or not, and the compact GPT-2.

The default model is the counted word n-gram of :mod:`.word_ngram` (:func:`load_pretrained` loads
it too); the compact GPT-2 and its training loop here serve fine-tuning and models saved before
it. Nothing is ever downloaded: the compact model's tokenizer and weights are trained on the
database's own (prompt, value) pairs, with a shape and a number of steps that grow with the
data. Nothing here reads the clock or the machine's load to decide anything: the same data and
seed give the same weights on a busy machine and an idle one. ``--llm DIR`` loads any
transformers causal LM saved in a local directory instead (never downloaded), optionally
fine-tuned by the same loop.

>>> LMShape.for_corpus(10_000).n_embd, LMShape.for_corpus(5_000_000).n_embd
(64, 192)
"""

from __future__ import annotations

import math
import random
import time
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors import SafetensorError

from amalgam_rel.errors import InputError
from amalgam_rel.generation.local_model import check_local_model

if TYPE_CHECKING:  # transformers' model classes cost ~2-3 s to import: only --llm and the old GPT-2 use them
    from transformers import GPT2LMHeadModel

MAX_PROMPT_TOKENS = 64
BATCH_TOKENS = 1024  # tokens per training batch: short values get big batches, notes small ones
POOL = 128  # examples shuffled together before batching by length (see _batches)
# A column with few values next to a big one is repeated up to this floor (see balanced)
MIN_COLUMN_EXAMPLES = 256
MAX_REPEATS = 8


def select_device(device: str | None = None) -> torch.device:
    """The GPU when torch sees one (or the device asked for), else the CPU."""
    if device:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextmanager
def torch_threads(n: int | None = None):
    """Run a block with ``n`` torch threads (one when None), then restore the process setting.

    One by default, whatever the cores: a thread count changes the order of float sums (two
    threads trained other weights than one, by up to 4e-6), so a count chosen by the machine's
    load made the same fit give another model on a busy machine. One thread is also the fast
    choice for the compact model on shared cores, where torch's pool spins on its barriers
    (2 cores at load 6: 12 training steps a second with one thread, 0.8-1.4 with two).
    """
    old = torch.get_num_threads()
    torch.set_num_threads(n or 1)
    try:
        yield
    finally:
        torch.set_num_threads(old)


@dataclass(frozen=True)
class LMShape:
    """The default model's size, chosen from the number of training tokens."""

    n_embd: int
    n_layer: int
    n_head: int
    n_positions: int = 512

    @classmethod
    def for_corpus(cls, n_tokens: int) -> LMShape:
        if n_tokens < 100_000:
            return cls(64, 2, 4)
        if n_tokens < 500_000:
            return cls(96, 2, 4)
        if n_tokens < 2_000_000:
            return cls(128, 3, 4)
        return cls(192, 4, 6)


@dataclass(frozen=True)
class TrainReport:
    seconds: float
    steps: int
    epochs: float
    loss: float
    examples: int
    tokens: int
    parameters: int

    def to_dict(self) -> dict:
        return asdict(self)


@contextmanager
def seeded_torch(seed: int, device: torch.device | None = None):
    """Torch's global generators seeded for a block, then restored as they were.

    Weight initialisation and dropout take no generator of their own: this keeps them a
    function of ``seed`` without moving the caller's random state.
    """
    cuda = [device.index or 0] if device is not None and device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda, device_type="cuda"):
        torch.manual_seed(seed)
        yield


@contextmanager
def quiet_transformers():
    """transformers' progress bars, log notices and FutureWarnings off for one of our calls.

    They speak of transformers' own API ("Writing model shards", "Loading weights", deprecated
    arguments), not of the user's data, and broke the command line's one-line output.
    """
    from transformers.utils import logging as hf_logging

    bars, verbosity = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"transformers(\.|$)")
            yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def new_model(tokenizer, shape: LMShape, seed: int = 0) -> GPT2LMHeadModel:
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(
        vocab_size=len(tokenizer), n_embd=shape.n_embd, n_layer=shape.n_layer, n_head=shape.n_head,
        n_positions=shape.n_positions, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
        # GPT-2's own tanh GELU, as one fused kernel: 3.8x faster than "gelu_new"'s five tensor
        # operations (a tenth of generation time), equal within 3e-7
        activation_function="gelu_pytorch_tanh",
    )
    with seeded_torch(seed):
        return GPT2LMHeadModel(config)


def load_pretrained(path: str, device: torch.device, what: str = "--llm"):
    """A causal LM and its tokenizer from a local directory (local files only, no network)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from amalgam_rel.generation.word_ngram import WordNGramLM, is_word_ngram

    check_local_model(path, what)
    try:
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            if is_word_ngram(path):  # the default model, counted (see .word_ngram)
                model = WordNGramLM.from_pretrained(path)
            else:
                model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    except SafetensorError as err:  # a truncated or overwritten weights file
        weights = ", ".join(sorted(p.name for p in Path(path).glob("*.safetensors"))) or "its weights"
        raise InputError(f"cannot load the language model {path!r}: {weights} is damaged "
                         f"({str(err).splitlines()[0]})") from None
    except (OSError, ValueError) as err:
        raise InputError(f"cannot load the language model {path!r}: {str(err).splitlines()[0]}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.eos_token is None:
        raise InputError(f"the tokenizer of {path!r} has no end-of-sequence token")
    return model.to(device).eval(), tokenizer


def encode_pairs(tokenizer, pairs: list[tuple[str, str]], max_len: int) -> list[tuple[list[int], int]]:
    """(token ids, prompt length) per pair: prompt and value tokenized apart, as at sampling time."""
    prompts = tokenizer([p for p, _ in pairs], add_special_tokens=False)["input_ids"]
    targets = tokenizer([t for _, t in pairs], add_special_tokens=False)["input_ids"]
    out = []
    for p, t in zip(prompts, targets):
        p = p[-MAX_PROMPT_TOKENS:]
        t = t[: max_len - len(p) - 1] + [tokenizer.eos_token_id]
        out.append((p + t, len(p)))
    return out


def train(
    model, tokenizer, pairs: list[tuple[str, str]], *, steps: int, max_epochs: float,
    lr: float = 3e-3, seed: int = 0, device: torch.device | None = None,
) -> TrainReport:
    """Next-token training on the values (prompt tokens are context, not targets).

    ``steps`` optimizer steps, or ``max_epochs`` passes over the batches if those come first;
    the learning-rate schedule spans exactly the steps taken. The clock is only reported.
    """
    device = device or select_device()
    start = time.perf_counter()
    max_len = getattr(model.config, "n_positions", None) or getattr(model.config, "max_position_embeddings", 512)
    examples = encode_pairs(tokenizer, pairs, min(max_len, 512))
    n_tokens = sum(len(ids) for ids, _ in examples)
    if getattr(model, "loss_type", None) is None:
        # GPT2LMHeadModel's class name matches none of transformers' losses, which then logs a
        # notice on every fit; it is a causal LM, trained on the next token
        model.loss_type = "ForCausalLM"
    with seeded_torch(seed, device):  # dropout draws from torch's global generator
        loss_value, planned, n_batches = _steps(model, tokenizer, examples, steps, max_epochs, lr, seed, device)
    model.eval()
    n_params = sum(p.numel() for p in model.parameters())
    return TrainReport(round(time.perf_counter() - start, 2), planned, round(planned / max(1, n_batches), 2),
                       round(loss_value, 4), len(examples), n_tokens, n_params)


def _steps(model, tokenizer, examples, steps: int, max_epochs: float, lr: float, seed: int,
           device: torch.device) -> tuple[float, int, int]:
    """The training loop: (running loss, steps taken, batches per pass)."""
    rng = random.Random(seed)
    batches = _batches(examples, seed)
    model.to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    planned = max(1, min(int(steps), int(max_epochs * len(batches))))
    step, loss_value, warmup = 0, float("nan"), 20
    while step < planned:
        rng.shuffle(batches)
        for batch in batches:
            if step >= planned:
                break
            progress = step / planned
            scale = min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
            for group in opt.param_groups:
                group["lr"] = lr * scale
            ids, mask, labels = _collate(batch, tokenizer.pad_token_id, device)
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            # a running mean: one batch's loss says little about the model
            loss_value = loss.item() if step == 0 else 0.95 * loss_value + 0.05 * loss.item()
            step += 1
    return loss_value, planned, len(batches)


def balanced(pairs: list[tuple[str, str]], tags: list[str]) -> list[tuple[str, str]]:
    """``pairs`` with the values of small columns repeated, so that every column trains.

    One model serves every column, and a pass over the corpus gives each column steps in
    proportion to its rows: chinook's 59 customers met 3,503 track names, and after 4.7 passes
    (280 e-mail examples in all) the model wrote e-mails of track-name syllables as long as
    the pattern allowed (length KS complement 0.17) and first names like "Tras Feel". A column
    is repeated up to :data:`MIN_COLUMN_EXAMPLES` (at most :data:`MAX_REPEATS` times, and never
    past an eighth of the largest column). Free text it learns by heart is still kept out by the
    copy guard; key-like columns are not guarded (chinook: 14 of 300 generated postal codes
    were real ones, none before, when the model could not write postal codes at all).
    """
    by_tag: dict[str, list[tuple[str, str]]] = {}
    for pair in pairs:
        tag = next((t for t in tags if pair[0].endswith(t)), "")
        by_tag.setdefault(tag, []).append(pair)
    largest = max((len(v) for v in by_tag.values()), default=0)
    floor = min(MIN_COLUMN_EXAMPLES, largest // 8)
    out = list(pairs)
    for group in by_tag.values():
        repeats = min(MAX_REPEATS, math.ceil(floor / len(group))) - 1
        out += group * max(0, repeats)
    return out


def _batches(examples: list[tuple[list[int], int]], seed: int = 0) -> list[list[tuple[list[int], int]]]:
    """Batches of similar lengths drawn from small shuffled pools, so each mixes columns.

    Sorting the whole corpus by length would make nearly every batch one column (all grades,
    then all descriptions): each step then pulls the model towards that column whatever the
    prompt's column tag says, and the tags are learned last — descriptions came out with SKU
    and e-mail fragments (shop fixture: category -> words accuracy 0.32, chance). Sorting within
    shuffled pools of :data:`POOL` examples keeps some padding out while a batch holds the
    columns of similar length from that pool (accuracy 0.98).
    """
    order = list(examples)
    random.Random(seed).shuffle(order)
    batches = []
    for lo in range(0, len(order), POOL):
        current: list = []
        for example in sorted(order[lo : lo + POOL], key=lambda e: len(e[0])):
            if current and (len(current) + 1) * len(example[0]) > BATCH_TOKENS or len(current) == 64:
                batches.append(current)
                current = []
            current.append(example)
        batches += [current] if current else []
    return batches


def _collate(batch, pad_id: int, device: torch.device):
    width = max(len(ids) for ids, _ in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, (seq, n_prompt) in enumerate(batch):
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
        labels[row, n_prompt : len(seq)] = torch.tensor(seq[n_prompt:])
    return ids.to(device), mask.to(device), labels.to(device)


def save(model, tokenizer, path: Path) -> None:
    """Weights as safetensors and the tokenizer as JSON: nothing is pickled."""
    path.mkdir(parents=True, exist_ok=True)
    with quiet_transformers():
        model.save_pretrained(path, safe_serialization=True)
        tokenizer.save_pretrained(path)
