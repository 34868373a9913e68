"""Stream CSV, XLSX and JSON Lines files as chunks of text rows, with line numbers. Pure (of
Django only its gettext, for the messages). Memory stays bounded by the chunk size whatever the
file size.

Line numbers are those a user sees: the physical line where the record starts in a CSV or
JSON Lines file (header = line 1), the row number in a spreadsheet.

Without a BOM, a text file's encoding (UTF-8 or GB18030/GBK) is decided on its first non-ASCII
bytes, wherever they are: an export can be ASCII for megabytes before its first Chinese name.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl
from django.utils.translation import gettext_noop

from steward.interactions.profiles import JSON_NUL_ESCAPE, LINE, FileError
from steward.interactions.reasons import Reason

FIELD_LIMIT = 1_048_576  # one field larger than 1 MiB is not contact data
csv.field_size_limit(FIELD_LIMIT)
RAW_LIMIT = 2000  # characters of a rejected row kept for the report
FORMATS = ("csv", "xlsx", "jsonl")
BLOCK = 65536  # bytes read at a time when sniffing an encoding or locating a bad byte
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030", "utf-16": "UTF-16"}
# JSON may escape what no database text can hold: NUL (PostgreSQL) and lone UTF-16 surrogates
# (not Unicode scalar values: UTF-8 cannot encode them, nor can Polars hold them). Looked for in
# a record's JSON text (ensure_ascii=False), which escapes NUL and keeps a surrogate as it is.
_NUL_ESCAPE = re.compile(JSON_NUL_ESCAPE)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Distinct keys across one chunk of records: each becomes a column of every row, so a batch of
# records with a new key each would be a table of records × keys (gigabytes for 10,000).
MAX_RECORD_FIELDS = 500
UNSTORABLE_TEXT = gettext_noop("a text holds the NUL character or invalid Unicode (a lone surrogate such as "
                               "\\ud800)")


@dataclass
class Chunk:
    header: list[str]
    lines: list[int] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    raw: dict[int, str] = field(default_factory=dict)  # line → raw text, for rejects
    bad: list[tuple[int, str, str]] = field(default_factory=list)  # unreadable rows
    position: int = 0  # bytes consumed so far (progress)

    def frame(self) -> pl.DataFrame:
        columns = {name: [row[i] for row in self.rows] for i, name in enumerate(self.header)}
        data = {LINE: self.lines, **columns}
        schema = {LINE: pl.Int64, **{name: pl.String for name in self.header}}
        return pl.DataFrame(data, schema=schema)


def guess_format(file_name: str) -> str:
    lower = file_name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "csv"


def sniff_encoding(binary: io.BufferedIOBase) -> str:
    """The text file's encoding; leaves the stream at its start. Memory stays one block."""
    try:
        return _sniff(binary)
    finally:
        binary.seek(0)


def _sniff(binary: io.BufferedIOBase) -> str:
    head = binary.read(BLOCK)
    if not head:
        raise FileError(gettext_noop("The file is empty."))
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"PK\x03\x04"):
        raise FileError(gettext_noop("This is a zip/XLSX file, not text: choose the xlsx format."))
    if b"\x00" in head:
        raise FileError(gettext_noop("This is not a text file (it contains binary data)."))
    # ASCII reads the same in every supported encoding: decide on the first non-ASCII bytes.
    start, block = 0, head
    while block.isascii():
        start += len(block)
        block = binary.read(BLOCK)
        if not block:
            return "utf-8"
    start += re.search(rb"[\x80-\xff]", block).start()
    binary.seek(max(0, start - 1))  # with the ASCII character before it (see _looks_western)
    sample = binary.read(BLOCK)
    utf8, gb = _decodable(sample, "utf-8"), _decodable(sample, "gb18030")
    if utf8 == gb == len(sample) and (readings := _gbk_read_as_utf8(sample)):
        line = _bad_byte_line(binary, "ascii")[0]  # the first non-ASCII byte
        raise FileError(gettext_noop("Line %(line)d: the text reads both as UTF-8 (%(utf8)s) and as GB18030/GBK "
                                     "(%(gb)s), and either could be meant; save the file as UTF-8 with a BOM "
                                     "(Excel: CSV UTF-8) and retry."),
                        {"line": line, "utf8": readings[0], "gb": readings[1]})
    if utf8 == len(sample) or utf8 > gb:
        return "utf-8"  # a bad byte further on is reported when the reading reaches it
    if utf8 == gb:
        line = _bad_byte_line(binary, "utf-8")[0]
        raise FileError(gettext_noop("Line %(line)d: the text is neither valid UTF-8 nor GB18030/GBK; save the "
                          "file as UTF-8 and retry."), {"line": line})
    # final=False: the sample may end inside a character
    if _looks_western(codecs.getincrementaldecoder("gb18030")().decode(sample[:gb], final=False)):
        line = _bad_byte_line(binary, "ascii")[0]  # the first non-ASCII byte
        raise FileError(gettext_noop("Line %(line)d: the text is neither UTF-8 nor GB18030/GBK (it looks like a "
                          "Western encoding such as Windows-1252); save the file as UTF-8 and "
                          "retry."), {"line": line})
    return "gb18030"


# GBK text is valid UTF-8 by chance about once in nine characters: a sample of more non-ASCII
# characters than this that reads as UTF-8 is UTF-8 (Russian, say), not a coincidence.
AMBIGUOUS_MAX = 8
# Code points: UTF-8 writes those below THREE_BYTES in two bytes (as GBK writes a character);
# LATIN is Latin-1's letters and symbols and Latin Extended-A/B; GBK decodes its two-byte
# characters to CJK and symbols, at CJK_LIKE and above.
THREE_BYTES, LATIN, CJK_LIKE = 0x800, range(0xA0, 0x250), 0x2000


def _gbk_read_as_utf8(sample: bytes) -> tuple[str, str] | None:
    """The first non-ASCII word in both readings, when a sample valid in both encodings may be
    GBK that happens to be valid UTF-8 (a short export: about one Chinese character in nine is a
    valid two-byte UTF-8 sequence, 魏巍 → κΡ); None when UTF-8 is the plausible reading. UTF-8
    is plausible with a character beyond two bytes (GBK has none), with only Latin letters and
    symbols (é, ü, °: European text), or with more than AMBIGUOUS_MAX non-ASCII characters. Otherwise — UTF-8 reads as Greek, Cyrillic, Armenian,
    Hebrew, Arabic, modifier letters or control codes, where GBK reads as Chinese — the file
    cannot tell, and guessing would store garbled text without a word."""
    text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    wide = [c for c in text if not c.isascii()]
    if (len(wide) > AMBIGUOUS_MAX or any(ord(c) >= THREE_BYTES for c in wide)
            or all(ord(c) in LATIN for c in wide)):
        return None
    chinese = codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    if not all(c.isascii() or ord(c) >= CJK_LIKE for c in chinese) or _looks_western(chinese):
        return None
    word = re.search(r"[^\x00-\x7f]+", text).group()[:20]
    return word, word.encode("utf-8").decode("gb18030", errors="replace")


def _looks_western(text: str) -> bool:
    """Whether text decoded as GB18030 is rather a Western single-byte encoding: Windows-1252
    accents decode as GBK-extension characters (a high byte and an ASCII letter: Renée →
    Ren閑) or as a character squeezed between two Latin letters (créée → cr殚e). Chinese text
    is mostly GB2312 characters (both bytes >= 0xA1) beside other Chinese characters, digits or
    punctuation."""
    suspicious = total = 0
    for i, char in enumerate(text):
        if char.isascii():
            continue
        total += 1
        encoded = char.encode("gb18030")
        extension = len(encoded) == 2 and encoded[1] < 0xA1
        between_letters = 0 < i < len(text) - 1 and all(
            c.isascii() and c.isalpha() for c in (text[i - 1], text[i + 1]))
        suspicious += extension or between_letters
    return suspicious * 2 > total


def _decodable(data: bytes, encoding: str) -> int:
    """How many leading bytes of data decode (all, when only the last character is cut off)."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError as error:
        return error.start
    return len(data)


def _bad_byte_line(binary: io.BufferedIOBase, encoding: str) -> tuple[int, str]:
    """The line of the file's first byte that does not decode, and why. (The text layer reads
    ahead, so the reader's position cannot tell.) Line ends (LF, CRLF or CR, as the readers
    split lines) are counted in the decoded text, right in any encoding."""
    binary.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    ends, after_cr = 0, False
    while True:
        block = binary.read(BLOCK)
        state = decoder.getstate()
        try:
            text = decoder.decode(block, final=not block)
            error = None
        except UnicodeDecodeError as caught:
            # caught.object is the bytes pending from the last block + this block.
            error = caught
            decoder.setstate(state)
            text = decoder.decode(block[: max(0, error.start - (len(error.object) - len(block)))])
        ends += text.count("\n") + text.count("\r") - text.count("\r\n")
        ends -= after_cr and text.startswith("\n")  # a CRLF split between two blocks
        after_cr = text.endswith("\r") or (after_cr and not text)
        if error or not block:
            return ends + 1, error.reason if error else ""


def _encoding_error(binary: io.BufferedIOBase, encoding: str) -> FileError:
    line, reason = _bad_byte_line(binary, encoding)
    return FileError(gettext_noop("Line %(line)d: the text is not valid %(encoding)s (%(reason)s); save the file "
                       "as UTF-8 or GB18030 and retry."),
                     {"line": line, "encoding": ENCODING_NAMES[encoding], "reason": reason})


def _clip(text: str) -> str:
    return text if len(text) <= RAW_LIMIT else text[:RAW_LIMIT] + "…"


def _header(names: list, what: str) -> list[str]:
    header = [("" if n is None else str(n)).strip().lstrip("\ufeff") for n in names]
    if not any(header):
        raise FileError(gettext_noop("The file has no header row.") if what == "file" else gettext_noop("The sheet has no header row."))
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise FileError(gettext_noop("Column(s) %(columns)s appear more than once in the header."),
                        {"columns": ", ".join(dupes)})
    _refuse_reserved(header)
    return header


def _refuse_reserved(names) -> None:
    # The chunk's frame keeps the line numbers in column LINE: a source column of that name
    # would replace them.
    if LINE in names:
        raise FileError(gettext_noop("The column name %(name)s is reserved for line numbers; rename that column "
                          "and retry."), {"name": LINE})


def read_csv(binary: io.BufferedIOBase, *, delimiter: str = ",", chunk_rows: int = 50_000) -> Iterator[Chunk]:
    encoding = sniff_encoding(binary)
    text = io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline="")
    at_end = False

    def lines() -> Iterator[str]:
        nonlocal at_end
        yield from text
        at_end = True

    # The reader asks for a line past the last one only inside a quoted field: a record that
    # comes back after that is a quote never closed, which swallowed the rest of the file.
    def unclosed_quote(line: int) -> FileError:
        return FileError(gettext_noop("Line %(line)d: a quoted field that starts in this row is never closed, so "
                           "the rest of the file would be read as one field; is the file truncated, or "
                           "a quote missing?"), {"line": line})

    reader = csv.reader(lines(), delimiter=delimiter, strict=False)
    last_line = 0
    try:
        try:
            first = next(reader)
        except StopIteration:
            raise FileError(gettext_noop("The file is empty.")) from None
        if at_end:
            raise unclosed_quote(1)
        header = _header(first, "file")
        width = len(header)
        last_line = reader.line_num
        chunk = Chunk(header=header)
        for record in reader:
            line = last_line + 1
            last_line = reader.line_num
            if at_end:
                raise unclosed_quote(line)
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # blank line
            raw = delimiter.join(record)
            if "\x00" in raw:  # past the first block, which the binary check read
                chunk.bad.append((line, "", Reason(UNSTORABLE_TEXT)))
                chunk.raw[line] = _clip(raw)  # escaped where the reject is recorded
                continue
            if len(record) != width:
                counts = {"expected": width, "found": len(record)}
                chunk.bad.append((line, "", Reason(
                    gettext_noop("expected %(expected)d fields, found %(found)d (is the file truncated?)")
                    if len(record) < width else gettext_noop("expected %(expected)d fields, found %(found)d"),
                    counts)))
                chunk.raw[line] = _clip(raw)
                continue
            chunk.lines.append(line)
            chunk.rows.append([v if v != "" else None for v in record])
            chunk.raw[line] = _clip(raw)
            if len(chunk.rows) >= chunk_rows:
                chunk.position = binary.tell()
                yield chunk
                chunk = Chunk(header=header)
        chunk.position = binary.tell()
        yield chunk
    except UnicodeDecodeError:
        raise _encoding_error(binary, encoding) from None
    except csv.Error as error:
        raise FileError(gettext_noop("Line %(line)d: %(error)s (a field larger than 1 MiB, or broken quoting)."),
                        {"line": last_line + 1, "error": error}) from None


def _date_only(number_format: str) -> bool:
    """A date number format without a time part (yyyy-mm-dd, m/d/yy, yyyy"年"m"月"d"日")."""
    fmt = re.sub(r'".*?"|\[[^\]]*\]|[_\\].', "", (number_format or "").split(";")[0]).lower()
    return bool(re.search("[dy]", fmt)) and not re.search("[hs]", fmt)


def _cell(cell) -> str | None:
    value = cell.value
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        # A date cell is a datetime at midnight: as a bare date it joins a time column
        # (date_time_columns) into "2024-01-02 08:00:00".
        if value.time() == dt.time(0) and _date_only(cell.number_format):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


# Zip-bomb guards for XLSX (a workbook is a zip of XML parts): real exports of a million rows
# stay far below these; a bomb (a small file that inflates to gigabytes) does not.
XLSX_MAX_UNCOMPRESSED = 2 * 1024**3  # all parts together
XLSX_MAX_PART = 1024**3  # one part (a sheet, the shared strings)
XLSX_MAX_RATIO = 200  # inflation of a part larger than XLSX_RATIO_FLOOR
XLSX_RATIO_FLOOR = 16 * 1024**2


def check_xlsx_container(binary: io.BufferedIOBase) -> None:
    """Refuse a workbook whose parts would inflate beyond the limits, reading only the zip's
    directory (the sizes it declares; the zip module also stops at a part's declared size)."""
    try:
        with zipfile.ZipFile(binary) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileError(gettext_noop("This is not a readable XLSX workbook (%(error)s)."), {"error": error}) from None
    finally:
        binary.seek(0)
    total = 0
    for part in parts:
        total += part.file_size
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > XLSX_MAX_PART or (part.file_size > XLSX_RATIO_FLOOR and ratio > XLSX_MAX_RATIO):
            raise FileError(gettext_noop("The workbook's part %(part)s would inflate to %(size)s bytes (compressed "
                              "%(ratio)s:1): refused as a possible zip bomb. Export the data as CSV."),
                            {"part": part.filename, "size": f"{part.file_size:,}", "ratio": f"{ratio:.0f}"})
    if total > XLSX_MAX_UNCOMPRESSED:
        raise FileError(gettext_noop("The workbook would inflate to %(size)s bytes: too large; export the data as CSV."),
                        {"size": f"{total:,}"})


# What openpyxl and zipfile raise on a damaged or unsupported workbook: a broken XML part, a
# truncated or encrypted zip, a compression method zipfile lacks (deflate64), a cell naming a
# shared string that is not there.
DAMAGED_XLSX = (zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError, SyntaxError, TypeError, EOFError,
                IndexError, AttributeError, NotImplementedError, RuntimeError)


def read_xlsx(binary: io.BufferedIOBase, *, chunk_rows: int = 50_000, **_options) -> Iterator[Chunk]:
    from openpyxl import load_workbook  # imported here: only XLSX imports need it

    check_xlsx_container(binary)
    try:
        book = load_workbook(binary, read_only=True, data_only=True)
    except DAMAGED_XLSX as error:
        raise FileError(gettext_noop("This is not a readable XLSX workbook (%(error)s)."), {"error": error}) from None
    try:
        if not book.worksheets:  # (a chart sheet is not a worksheet)
            raise FileError(gettext_noop("The workbook's first sheet is empty."))
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # read every row, not only those within the declared <dimension>
        rows = sheet.iter_rows()  # cells: a number format tells a date from midnight
        header = None
        line = 0
        for row in rows:
            line += 1
            values = [c.value for c in row]
            if any(v is not None for v in values):
                header = _header(list(values), "sheet")
                break
        if header is None:
            raise FileError(gettext_noop("The workbook's first sheet is empty."))
        chunk = Chunk(header=header)
        width = len(header)
        for row in rows:
            line += 1
            values = [c.value for c in row]
            cells = [_cell(c) for c in row[:width]]
            if all(c is None for c in cells) and all(v is None for v in values[width:]):
                continue
            if any(v is not None for v in values[width:]):
                chunk.bad.append((line, "", Reason(gettext_noop("values in columns without a header"))))
                chunk.raw[line] = _clip("\t".join("" if v is None else str(v) for v in values))
                continue
            cells += [None] * (width - len(cells))
            chunk.lines.append(line)
            chunk.rows.append(cells)
            chunk.raw[line] = _clip("\t".join(c or "" for c in cells))
            if len(chunk.rows) >= chunk_rows:
                chunk.position = binary.tell()  # the sheet's XML is inflated as it is read
                yield chunk
                chunk = Chunk(header=header)
        chunk.position = binary.tell()
        yield chunk
    except FileError:
        raise
    except DAMAGED_XLSX as error:
        # A damaged sheet (broken XML, a truncated part): a clear refusal, not a crash.
        raise FileError(gettext_noop("The workbook is damaged and cannot be read (%(error)s)."),
                        {"error": f"{error.__class__.__name__}: {str(error)[:200]}"}) from None
    finally:
        book.close()


def _json_value(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if text.strip() else None


def escape_unstorable(text: str) -> str:
    """Text as the database can hold it: NUL and lone surrogates written as \\uXXXX (a rejected
    row's raw text is kept to be read, not imported)."""
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def storable_json(text: str) -> bool:
    """Whether JSON text (as json.dumps(..., ensure_ascii=False) writes it: NUL escaped, a lone
    surrogate as it is) holds only what the database can store."""
    # The cheap tests first: the pattern costs ten times a substring test (a hot loop)
    if "\\u0000" in text and _NUL_ESCAPE.search(text):
        return False
    try:
        text.encode("utf-8")  # fails on a lone surrogate only
    except UnicodeEncodeError:
        return False
    return True


TOO_DEEP = gettext_noop("the record is nested too deeply (arrays or objects thousands of levels deep)")


def _record_text(record) -> str | None:
    """The record as JSON text (its raw text in a report); None when too deeply nested to write."""
    try:
        return json.dumps(record, ensure_ascii=False, default=str)
    except RecursionError:
        return None


def records_chunk(records: list[dict], *, first_line: int = 1) -> Chunk:
    """Records (dicts, as from the API or a JSON Lines file) as one chunk."""
    header: list[str] = []
    seen: set[str] = set()
    texts = [_record_text(record) for record in records]
    storable = [isinstance(record, dict) and text is not None and storable_json(text)
                for record, text in zip(records, texts, strict=True)]
    for record, ok in zip(records, storable, strict=True):
        if ok:
            for key in record:
                if key not in seen:
                    seen.add(key)
                    header.append(str(key))
    if len(header) > MAX_RECORD_FIELDS:
        raise FileError(gettext_noop("The records have %(n)s different fields; at most %(max)s are read. "
                                     "Keep extra data in one field (attributes)."),
                        {"n": len(header), "max": MAX_RECORD_FIELDS})
    _refuse_reserved(header)
    chunk = Chunk(header=header)
    for offset, (record, text, ok) in enumerate(zip(records, texts, storable, strict=True)):
        line = first_line + offset
        chunk.raw[line] = _clip(text or "")  # escaped where a reject is recorded
        if text is None:
            chunk.bad.append((line, "", Reason(TOO_DEEP)))
        elif not isinstance(record, dict):
            chunk.bad.append((line, "", Reason(gettext_noop("a record must be a JSON object"))))
        elif not ok:
            chunk.bad.append((line, "", Reason(UNSTORABLE_TEXT)))
        else:
            chunk.lines.append(line)
            chunk.rows.append([_json_value(record.get(name)) for name in header])
    return chunk


def read_jsonl(binary: io.BufferedIOBase, *, chunk_rows: int = 50_000, **_options) -> Iterator[Chunk]:
    encoding = sniff_encoding(binary)
    text = io.TextIOWrapper(binary, encoding=encoding, errors="strict")
    line = 0
    started = False  # a record line was seen
    records: list = []
    lines: list[int] = []
    errors: list[tuple[int, str, str, str]] = []

    def flush() -> Chunk:
        chunk = records_chunk(records)
        # records_chunk numbers consecutively; put back the real line numbers.
        mapping = dict(zip(range(1, len(records) + 1), lines, strict=True))
        chunk.lines = [mapping[n] for n in chunk.lines]
        chunk.raw = {mapping[n]: raw for n, raw in chunk.raw.items()}
        chunk.bad = [(mapping[n], c, r) for n, c, r in chunk.bad]
        for bad_line, column, reason, raw in errors:
            chunk.bad.append((bad_line, column, reason))
            chunk.raw[bad_line] = raw
        chunk.position = binary.tell()
        return chunk

    try:
        for text_line in text:
            line += 1
            if not text_line.strip():
                continue
            if not started and text_line.lstrip().startswith("["):
                # One JSON array (a .json export) read as lines would be all rejects.
                raise FileError(gettext_noop("This looks like a JSON array; export JSON Lines (one object per "
                                  "line) and retry."))
            started = True
            if len(text_line) > FIELD_LIMIT:
                errors.append((line, "", Reason(gettext_noop("the record is larger than 1 MiB")), _clip(text_line.rstrip("\r\n"))))
                continue
            try:
                records.append(json.loads(text_line))
                lines.append(line)
            except json.JSONDecodeError as error:
                errors.append((line, "", Reason(gettext_noop("not valid JSON (%(error)s, column %(column)d)"),
                                                {"error": error.msg, "column": error.colno}), _clip(text_line.rstrip("\r\n"))))
            except RecursionError:  # a record of arrays in arrays, thousands deep
                errors.append((line, "", Reason(TOO_DEEP), _clip(text_line.rstrip("\r\n"))))
            if len(records) >= chunk_rows:
                yield flush()
                records, lines, errors = [], [], []
    except UnicodeDecodeError:
        raise _encoding_error(binary, encoding) from None
    if not started:  # nothing, or only blank lines
        raise FileError(gettext_noop("The file is empty."))
    yield flush()


READERS = {"csv": read_csv, "xlsx": read_xlsx, "jsonl": read_jsonl}


def read(binary: io.BufferedIOBase, file_format: str, *, delimiter: str = ",", chunk_rows: int = 50_000) -> Iterator[Chunk]:
    if file_format not in READERS:
        raise FileError(gettext_noop("Unknown format %(f)s: use csv, xlsx or jsonl."), {"f": repr(file_format)})
    return READERS[file_format](binary, delimiter=delimiter, chunk_rows=chunk_rows)
