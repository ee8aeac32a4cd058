"""The server's log: one escaped line per event, error ids, tracebacks only in an opt-in debug log.

Questions are written by anyone, so every log line is escaped: a carriage return,
an ESC sequence or a right-to-left override in a question must not rewrite what an
operator sees in a terminal or a log viewer.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid

# C0/C1 controls, DEL, and the Unicode bidi controls (embeddings, overrides, isolates, marks).
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
DEBUG_LOGGER = "qa.debug"


def escape(text: str) -> str:
    """Control and bidi characters as visible escapes (\\r, \\x1b, \\u202e); the rest unchanged."""
    def visible(match):
        ch = match.group(0)
        return {"\r": "\\r", "\n": "\\n", "\t": "\\t"}.get(ch) or (
            f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
    return UNSAFE.sub(visible, text)


class SafeFormatter(logging.Formatter):
    """Escapes the whole formatted line, so no handler ever writes a raw control character."""

    def format(self, record: logging.LogRecord) -> str:
        return escape(super().format(record))


def log_to_stderr(debug_log=None) -> None:
    """Question text and timing per request on stderr; tracebacks to ``debug_log`` when one is set."""
    logger = logging.getLogger("qa")
    if not any(getattr(h, "_qa_stderr", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(SafeFormatter("%(asctime)s %(message)s", "%H:%M:%S"))
        handler._qa_stderr = True
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    # uvicorn writes its own tracebacks for errors that escape the app; none should, but if one
    # does, its lines are escaped as well.
    for name in ("uvicorn", "uvicorn.error"):
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(SafeFormatter(handler.formatter._fmt if handler.formatter else "%(message)s"))
    if debug_log:
        debug_to(debug_log)


def debug_to(path) -> None:
    """Send tracebacks of unexpected errors to ``path`` (once per path)."""
    logger = logging.getLogger(DEBUG_LOGGER)
    logger.propagate = False  # tracebacks never reach the operator's stderr log
    if any(getattr(h, "baseFilename", None) == str(path) for h in logger.handlers):
        return
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def unexpected(err: BaseException, where: str, logger: str = "qa") -> str:
    """Log an unexpected error as one line with a fresh id, the traceback to the debug log; the id."""
    error_id = uuid.uuid4().hex[:10]
    logging.getLogger(logger).error("error %s: %s on %s", error_id, type(err).__name__, where)
    debug = logging.getLogger(DEBUG_LOGGER)
    if debug.handlers:
        debug.error("error %s on %s", error_id, where, exc_info=(type(err), err, err.__traceback__))
    return error_id


def internal_error_message(error_id: str) -> str:
    return f"服务器内部错误(错误编号 {error_id}),请稍后再试;如一再出现,请把错误编号告诉管理员。"
