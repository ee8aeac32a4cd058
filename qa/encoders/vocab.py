"""Serving vocabulary: the tokenizer's pieces a Chinese policy text can produce, and only those.

multilingual-e5's SentencePiece vocabulary holds 250k pieces for a hundred languages;
parsing it is most of the tokenizer's load time, and its embedding rows are most of the
model's weight. A piece made only of characters from other scripts (Cyrillic, Arabic,
Hangul…) can never match a span of text written in the kept scripts, so dropping it
leaves the tokenization of such text unchanged: the same pieces, renumbered. Text in a
dropped script becomes ``<unk>``, which is the price for a process that starts in a
second. No library trims a ``tokenizers`` Unigram model, hence this file.

Only Unigram models are trimmed; any other tokenizer is served as it is.
"""

from __future__ import annotations

import copy

# Scripts a Chinese government document is written in: ASCII and Latin-1 (digits, "APP",
# "12345"), general punctuation, letterlike symbols, number forms and arrows (℃ Ⅱ →), math
# operators, enclosed numbers (①), box drawing and shapes (▁ is SentencePiece's word marker,
# ■ ○ are bullets), CJK punctuation, kana, every CJK ideograph block, full-width forms.
KEPT_RANGES = ((0x0000, 0x00FF), (0x2000, 0x22FF), (0x2460, 0x25FF), (0x3000, 0x30FF),
               (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F),
               (0xFF00, 0xFFEF), (0x20000, 0x3134F))


def is_kept_char(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in KEPT_RANGES)


def kept_ids(tokenizer_json: dict) -> list[int] | None:
    """Ids of the pieces to keep, in their original order; None when the model is not Unigram."""
    model = tokenizer_json.get("model") or {}
    if model.get("type") != "Unigram":
        return None
    special = {token["id"] for token in tokenizer_json.get("added_tokens", [])}
    special.add(model.get("unk_id"))
    return [i for i, (piece, _score) in enumerate(model["vocab"])
            if i in special or all(is_kept_char(c) for c in piece)]


def trim_tokenizer(tokenizer_json: dict, keep: list[int]) -> dict:
    """The tokenizer with only ``keep``'s pieces; every id is renumbered to its place in ``keep``."""
    new_id = {old: new for new, old in enumerate(keep)}
    trimmed = copy.deepcopy(tokenizer_json)
    model = trimmed["model"]
    model["vocab"] = [model["vocab"][old] for old in keep]
    if model.get("unk_id") is not None:
        model["unk_id"] = new_id[model["unk_id"]]
    for token in trimmed.get("added_tokens", []):
        token["id"] = new_id[token["id"]]
    for processor in _processors(trimmed.get("post_processor")):
        for special in (processor.get("special_tokens") or {}).values():
            special["ids"] = [new_id[i] for i in special["ids"]]
        for key in ("cls", "sep"):  # BertProcessing / RobertaProcessing: [token, id]
            if key in processor:
                processor[key][1] = new_id[processor[key][1]]
    padding = trimmed.get("padding")
    if padding and "pad_id" in padding:
        padding["pad_id"] = new_id[padding["pad_id"]]
    return trimmed


def _processors(post_processor: dict | None) -> list[dict]:
    if not post_processor:
        return []
    return post_processor.get("processors") or [post_processor]
