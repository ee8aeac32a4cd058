"""Encoders: texts -> normalised vectors, with the model's own query/passage prompts.

One setting (``Settings.backend``) picks the engine; built-in backends are listed in
``BACKENDS`` exactly as an add-on would be. Each encoder's ``model_id`` names both the
model and the backend, and goes into the index manifest, so an index is only ever
queried with vectors from the engine that built it.
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol

import numpy as np

from qa.errors import ModelError


class Encoder(Protocol):
    model_id: str
    dim: int

    def encode_documents(self, texts: list[str], progress: bool = False) -> np.ndarray: ...

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...


# backend name -> (module, class, pip packages it needs beyond the base install)
BACKENDS: dict[str, tuple[str, str, str]] = {
    "onnx": ("qa.encoders.onnx", "OnnxEncoder", "onnxruntime"),
    "onnx-int8": ("qa.encoders.onnx", "OnnxEncoder", "onnxruntime"),
    "torch": ("qa.encoders.torch_st", "SentenceEncoder", "torch sentence-transformers"),
}


def load_encoder(settings) -> Encoder:
    """The encoder ``settings.backend`` names, loaded from the local model (never a download)."""
    backend = settings.backend
    if backend not in BACKENDS:
        raise ModelError(f"未知的嵌入后端 {backend!r},可选:{'、'.join(BACKENDS)}")
    module_name, class_name, packages = BACKENDS[backend]
    try:
        module = import_module(module_name)
    except ImportError as err:
        raise ModelError(f"嵌入后端 {backend} 需要安装 {packages}:pip install {packages}({err})") from err
    return getattr(module, class_name).load(settings)
