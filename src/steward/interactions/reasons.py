"""Why a row or a file was refused, kept as a message and its parameters rather than as text.

An import is written in its importer's language, but its report is read by others: a vendor's
Chinese-speaking staff upload a file, the client's English-speaking manager reads why rows were
refused. Stored as the English message id and its parameters, a reason is translated each time
it is shown, in the reader's language. (Django's lazy strings translate late too, but cannot be
stored in the database nor interpolated before they are shown.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext, pgettext


@dataclass(frozen=True)
class Term:
    """A parameter that is itself a word to translate, e.g. a unit: pgettext(context, word), or
    gettext(word) where the context is ""."""

    context: str
    word: str

    def __str__(self) -> str:
        return pgettext(self.context, self.word) if self.context else gettext(self.word)


@dataclass(frozen=True)
class Reason:
    """`message` is a msgid marked with gettext_noop where it is written, so makemessages finds
    it; `params` fill its %(name)s placeholders (text, numbers, or a Term)."""

    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self):
        # Stored as JSON: anything else (an exception, a path) is kept as its text.
        object.__setattr__(self, "params", {
            k: v if v is None or isinstance(v, (str, int, float, Term)) else str(v)
            for k, v in self.params.items()
        })

    def __str__(self) -> str:
        params = {k: str(v) if isinstance(v, Term) else v for k, v in self.params.items()}
        return gettext(self.message) % params

    def with_params(self, **params) -> Reason:
        return Reason(self.message, {**self.params, **params})

    def to_json(self) -> dict:
        return {"message": self.message, "params": {
            k: {"context": v.context, "word": v.word} if isinstance(v, Term) else v
            for k, v in self.params.items()
        }}

    @classmethod
    def from_json(cls, data: Mapping) -> Reason:
        return cls(data["message"], {
            k: Term(v["context"], v["word"]) if isinstance(v, Mapping) else v
            for k, v in (data.get("params") or {}).items()
        })


def names_column(message: Mapping | None) -> bool:
    """Whether a stored reason names its column itself: every message with a column parameter
    begins with it ("%(column)s: …"), so a report need not print the column again."""
    return "column" in ((message or {}).get("params") or {})


def shown(message: Mapping | None, text: str) -> str:
    """A stored reason in the active language; `text` (as written at the import) for rows
    stored before reasons were kept as messages, or for a message this version cannot render."""
    if not message:
        return text
    try:
        return str(Reason.from_json(message))
    except (KeyError, TypeError, ValueError):
        return text
