"""What a vendor document may be: a size limit and a short list of file types, each checked
by its content's signature, not by the name or the browser's claimed type alone."""

import re
import unicodedata
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024

_ZIP = b"PK\x03\x04"
# extension → (content type, signature the file must start with; None: UTF-8 text)
ALLOWED = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    ".txt": ("text/plain", None),
    ".csv": ("text/csv", None),
}


def safe_name(name: str) -> str:
    """The file's own name without any folder part or control characters, for display and
    for the download's file name."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C")
    base = re.sub(r'["<>]', "_", base).strip() or "document"
    return base[:255]


def check(upload) -> str:
    """Raise ValidationError when the upload is empty, too large or not an allowed type;
    return its content type otherwise."""
    if upload is None:
        raise ValidationError({"upload": _("Choose a file to upload.")})
    if upload.size == 0:
        raise ValidationError({"upload": _("The file is empty.")})
    if upload.size > MAX_BYTES:
        raise ValidationError({"upload": _("The file is %(size)s; the limit is %(limit)s.") % {
            "size": filesizeformat(upload.size), "limit": filesizeformat(MAX_BYTES)}})
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in ALLOWED:
        raise ValidationError({"upload": _("Files of type %(suffix)s cannot be uploaded. Allowed: %(allowed)s.") % {
            "suffix": suffix or _("(no extension)"), "allowed": ", ".join(sorted(ALLOWED))}})
    content_type, signature = ALLOWED[suffix]
    upload.seek(0)
    head = upload.read(upload.size if signature is None else len(signature))
    upload.seek(0)
    if signature is not None:
        ok = head.startswith(signature)
    else:
        try:
            ok = b"\x00" not in head and bool(head.decode("utf-8-sig"))
        except UnicodeDecodeError:
            ok = False
    if not ok:
        raise ValidationError({"upload": _("The file's content does not match its %(suffix)s extension.") % {
            "suffix": suffix}})
    return content_type
