"""Errors the library raises; the CLI and the API turn them into Chinese messages.

Every error carries a user-facing Chinese message (``str(err)``); none of them
should ever reach a user as a traceback.
"""


class QAError(Exception):
    """Base class: a problem the user can understand and act on."""


class DocumentError(QAError):
    """A corpus file could not be read (empty, binary, broken, unknown encoding)."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"无法读取文件 {source}:{reason}")


class CorpusEmpty(QAError):
    """No readable work items were found in the corpus."""


class IndexNotFound(QAError):
    """No index at the given folder."""


class IndexCorrupt(QAError):
    """The index exists but cannot be loaded."""


class IndexMismatch(QAError):
    """The index was built by another model or format version."""


class ModelError(QAError):
    """The embedding model could not be prepared or loaded."""


class BadQuestion(QAError):
    """The question is empty, too long or otherwise unusable."""


class IndexUnwritable(QAError):
    """The index folder cannot be created or written."""
