"""Compatibility entry point: the work-plan shape's helpers and the shape dispatcher."""

from .shapes import analyse, parse_document  # noqa: F401
from .shapes.workplan import (  # noqa: F401
    Closer, Marker, find_closers, find_markers, item_title, split_sentences,
)
