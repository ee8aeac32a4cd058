"""The torch backend: a sentence-transformers model, as loaded for training or export."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

BATCH_SIZE = 64

@dataclass
class SentenceEncoder:
    """A sentence-transformers model from a local folder (never a hub download)."""

    path: Path
    model_id: str
    model: object

    @classmethod
    def load(cls, settings) -> "SentenceEncoder":
        from qa.model import load_encoder, model_id, resolve_model

        path = resolve_model(settings)
        model = load_encoder(path)
        if settings.threads:
            import torch

            torch.set_num_threads(settings.threads)
        return cls(path, f"{model_id(path)}+torch", model)

    @property
    def dim(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        vectors = self.model.encode_document(texts, batch_size=BATCH_SIZE, normalize_embeddings=True,
                                             show_progress_bar=progress, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode_query(texts, batch_size=BATCH_SIZE, normalize_embeddings=True,
                                          convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
