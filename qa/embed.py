"""Kept for callers of the first layout: the encoders now live in ``qa.encoders``."""

from qa.encoders import Encoder, load_encoder  # noqa: F401
from qa.encoders.torch_st import BATCH_SIZE, SentenceEncoder  # noqa: F401
