"""The file readers on real files: quoting that never closes, a workbook's declared size, date
and time cells, the reserved line column, encodings decided past the first 64 KiB and errors
that name the true line, Windows-1252 text, a JSON array given as JSON Lines."""

import codecs
import csv
import datetime as dt
import io
import json
import re
import zipfile

import pytest
from openpyxl import Workbook

from steward.interactions import readers, services
from steward.interactions.builtin_profiles import BUILTIN_PROFILES
from steward.interactions.models import ImportBatch, Interaction
from steward.interactions.profiles import LINE, FileError, Profile, normalise

HEADER = ["external_id", "channel", "arrived_at", "contact_reason"]


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def setup(make_vendor, make_project, media):
    vendor = make_vendor("acme")
    project = make_project("hotline", [vendor], channels=("voice", "chat"), time_zone="UTC")
    return project, vendor


def read(path, fmt="csv"):
    with open(path, "rb") as handle:
        return list(readers.read(handle, fmt))


def rows_of(chunks):
    return [(line, row) for c in chunks for line, row in zip(c.lines, c.rows, strict=True)]


def write_csv(path, rows, encoding="utf-8", lineterminator="\r\n"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator=lineterminator).writerows(rows)
    return path


def row(i, reason="x"):
    return [f"r{i}", "voice", "2024-01-01 10:00:00", reason]


# ---------------------------------------------------------------- 1. a quote never closed


def test_an_unclosed_quote_stops_the_import_naming_its_line_and_stores_nothing(setup, tmp_path):
    good = write_csv(tmp_path / "good.csv", [HEADER[:3]] + [row(i)[:3] for i in range(3, 50)])
    body = good.read_bytes().split(b"\r\n", 1)[1]
    path = tmp_path / "unclosed.csv"
    path.write_bytes(b"external_id,channel,arrived_at\r\nr1,voice,2024-01-01 10:00:00\r\n"
                     b'r2,"voice,2024-01-01 10:00:00\r\n' + body)
    with pytest.raises(FileError, match=r"^Line 3: a quoted field that starts in this row is never closed"):
        read(path)
    project, vendor = setup
    result = services.import_file(actor=None, project=project, vendor=vendor, path=str(path), allow_rejects=True)
    assert result.batch.status == ImportBatch.Status.FAILED and result.batch.error.startswith("Line 3: ")
    assert not Interaction.objects.exists()


def test_closed_quotes_still_span_lines_and_an_open_one_in_the_header_stops(tmp_path):
    path = write_csv(tmp_path / "multi.csv", [HEADER, row(1), ["r2", "voice", "2024-01-01 10:00:00", "a\nb"]])
    assert rows_of(read(path)) == [(2, ["r1", "voice", "2024-01-01 10:00:00", "x"]),
                                   (3, ["r2", "voice", "2024-01-01 10:00:00", "a\nb"])]
    (tmp_path / "head.csv").write_bytes(b'"external_id,channel\r\nr1,voice\r\n')
    with pytest.raises(FileError, match="^Line 1: a quoted field"):
        read(tmp_path / "head.csv")


# ---------------------------------------------------------------- 2. a workbook's declared size


def test_rows_past_the_declared_dimension_are_read(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER[:3])
    for i in range(1, 6):
        sheet.append([f"x{i}", "voice", "2024-01-01 10:00:00"])
    book.save(tmp_path / "full.xlsx")
    path = tmp_path / "dim.xlsx"
    with zipfile.ZipFile(tmp_path / "full.xlsx") as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C2"', data)
                assert count == 1
            new.writestr(item, data)
    assert [(line, r[0]) for line, r in rows_of(read(path, "xlsx"))] == [
        (2, "x1"), (3, "x2"), (4, "x3"), (5, "x4"), (6, "x5")]


# ---------------------------------------------------------------- 3. the reserved line column


def test_a_column_named_like_the_line_numbers_is_refused(tmp_path):
    path = write_csv(tmp_path / "line.csv", [HEADER[:3] + [LINE], row(1)[:3] + ["x"]])
    with pytest.raises(FileError, match=f"The column name {LINE} is reserved"):
        read(path)
    record = {"external_id": "a", "channel": "voice", "arrived_at": "2024-01-01T10:00:00Z", LINE: "zz"}
    (tmp_path / "line.jsonl").write_text(json.dumps(record) + "\n")
    with pytest.raises(FileError, match="reserved for line numbers"):
        read(tmp_path / "line.jsonl", "jsonl")
    with pytest.raises(FileError, match="reserved for line numbers"):
        readers.records_chunk([record])  # the REST API's records
    book = Workbook()
    book.active.append(HEADER[:3] + [LINE])
    book.save(tmp_path / "line.xlsx")
    with pytest.raises(FileError, match="reserved for line numbers"):
        read(tmp_path / "line.xlsx", "xlsx")


# ---------------------------------------------------------------- 4. date and time cells


def split_workbook(path, date_format="yyyy-mm-dd"):
    book = Workbook()
    sheet = book.active
    sheet.append(["Call ID", "Queue", "Date", "Time", "Ended"])
    sheet.append(["1", "Q", dt.date(2024, 1, 2), dt.time(8, 0), dt.datetime(2024, 1, 2, 8, 5)])
    sheet.append(["2", "Q", dt.datetime(2024, 1, 2), dt.time(23, 59, 30), dt.datetime(2024, 1, 3)])  # midnight
    sheet["C3"].number_format = date_format
    book.save(path)
    return path


def test_date_cells_read_as_dates_and_time_cells_as_times(tmp_path):
    chunks = read(split_workbook(tmp_path / "dt.xlsx"), "xlsx")
    assert rows_of(chunks) == [
        (2, ["1", "Q", "2024-01-02", "08:00:00", "2024-01-02 08:05:00"]),
        # a date-and-time cell at midnight keeps its time
        (3, ["2", "Q", "2024-01-02", "23:59:30", "2024-01-03 00:00:00"]),
    ]
    chinese = read(split_workbook(tmp_path / "cn.xlsx", 'yyyy"年"m"月"d"日"'), "xlsx")
    assert rows_of(chinese)[1][1][2] == "2024-01-02"


@pytest.mark.parametrize("base", ["acd-calls", "generic"])
def test_separate_date_and_time_columns_import_from_a_workbook(setup, tmp_path, base):
    columns = {"external_id": "Call ID", "queue": "Queue", "ended_at": "Ended"}
    definition = {**BUILTIN_PROFILES[base], "name": f"{base}-split", "required": ["Call ID", "Date", "Time"],
                  "columns": columns, "defaults": {"channel": "voice"},
                  "date_time_columns": {"arrived_at": {"date": "Date", "time": "Time"}}}
    path = split_workbook(tmp_path / "dt.xlsx")
    result = normalise(read(path, "xlsx")[0].frame(), Profile.from_dict(definition), "UTC")
    assert result.rejects == []
    services.profile_save(definition=definition)
    project, vendor = setup
    imported = services.import_file(actor=None, project=project, vendor=vendor, path=str(path),
                                    profile=f"{base}-split")
    assert imported.batch.status == ImportBatch.Status.DONE and imported.rejected == 0, imported.batch.error
    assert sorted(Interaction.objects.values_list("external_id", "arrived_at")) == [
        ("1", dt.datetime(2024, 1, 2, 8, 0, tzinfo=dt.UTC)),
        ("2", dt.datetime(2024, 1, 2, 23, 59, 30, tzinfo=dt.UTC)),
    ]


# ---------------------------------------------------------------- 5. encodings and their errors


def ascii_rows(n):
    return [row(i) for i in range(n)]  # 3,000 rows are about 90 KiB: past the first 64 KiB


def test_chinese_after_the_first_64_kib_still_decides_the_encoding(tmp_path):
    path = write_csv(tmp_path / "gbk.csv", [HEADER] + ascii_rows(3000) + [row(9999, "退货")], "gb18030")
    assert path.read_bytes()[:65536].isascii()
    assert rows_of(read(path))[-1] == (3002, ["r9999", "voice", "2024-01-01 10:00:00", "退货"])


def with_bad_byte(path, rows, bad_line, bad, encoding, lineterminator="\r\n"):
    """rows written in encoding, the line bad_line's last field replaced by the bytes bad."""
    write_csv(path, rows, encoding, lineterminator)
    lines = path.read_bytes().split(lineterminator.encode())
    lines[bad_line - 1] = lines[bad_line - 1].rsplit(b",", 1)[0] + b"," + bad
    path.write_bytes(lineterminator.encode().join(lines))
    return path


def test_a_bad_gbk_byte_is_reported_on_its_own_line(tmp_path):
    rows = [HEADER, row(0, "退货")] + ascii_rows(60)
    path = with_bad_byte(tmp_path / "gbk.csv", rows, 50, b"\x81 ", "gb18030")
    with pytest.raises(FileError, match=r"^Line 50: the text is not valid GB18030 \(illegal multibyte sequence\)"):
        read(path)


@pytest.mark.parametrize("lineterminator", ["\r\n", "\n", "\r"])
def test_a_bad_utf8_byte_far_down_is_reported_on_its_own_line(tmp_path, lineterminator):
    rows = [HEADER, row(0, "退货")] + ascii_rows(3100)
    path = with_bad_byte(tmp_path / "u.csv", rows, 3002, b"\xff", "utf-8", lineterminator)
    with pytest.raises(FileError, match=r"^Line 3002: the text is not valid UTF-8 \(invalid start byte\)"):
        read(path)
    ascii_only = with_bad_byte(tmp_path / "a.csv", [HEADER] + ascii_rows(3100), 3002, b"\xff", "utf-8",
                               lineterminator)
    with pytest.raises(FileError, match=r"^Line 3002: the text is neither valid UTF-8 nor GB18030/GBK"):
        read(ascii_only)


def test_a_line_end_split_between_two_blocks_counts_once(tmp_path):
    # CR the last byte of the first 64 KiB block (the readers' reading unit), LF the first of the next.
    block = 65536
    head = ",".join(HEADER).encode() + b"\r\n" + "r0,voice,2024-01-01 10:00:00,退货\r\n".encode()
    pad = block - 1 - len(head) - len(b"r1,voice,2024-01-01 10:00:00,")
    data = head + b"r1,voice,2024-01-01 10:00:00," + b"x" * pad + b"\r\n" + b"r2,voice,2024-01-01 10:00:00,\xff\r\n"
    assert data[block - 1:block + 1] == b"\r\n"
    (tmp_path / "split.csv").write_bytes(data)
    with pytest.raises(FileError, match="^Line 4: the text is not valid UTF-8"):
        read(tmp_path / "split.csv")


def test_a_bad_byte_in_json_lines_is_reported_on_its_own_line(tmp_path):
    record = {"external_id": "a", "channel": "voice", "arrived_at": "2024-01-01T10:00:00Z", "contact_reason": "退货"}
    lines = [json.dumps(record, ensure_ascii=False).encode("gb18030")] * 2000 + [b'{"x": "\x81 "}'] + [b"{}"] * 10
    (tmp_path / "bad.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(FileError, match="^Line 2001: the text is not valid GB18030"):
        read(tmp_path / "bad.jsonl", "jsonl")


# ---------------------------------------------------------------- 6. Windows-1252


def test_windows_1252_text_is_refused_not_read_as_chinese(tmp_path):
    path = write_csv(tmp_path / "cp1252.csv", [HEADER, row(1), row(2, "Renée")], "cp1252")
    with pytest.raises(FileError, match=r"^Line 3: the text is neither UTF-8 nor GB18030/GBK \(it looks like a "
                                        "Western encoding such as Windows-1252\\)"):
        read(path)
    chinese = write_csv(tmp_path / "gbk.csv", [HEADER, row(1, "售后，退货"), row(2, "Renée")], "gb18030")
    assert rows_of(read(chinese))[1][1][3] == "Renée"


# ---------------------------------------------------------------- a JSON array is not JSON Lines


@pytest.mark.parametrize("indent", [None, 2])
def test_a_json_array_is_refused_with_a_clear_error(tmp_path, indent):
    records = [{"external_id": "a", "channel": "voice", "arrived_at": "2024-01-01T10:00:00Z"}]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(records, indent=indent))
    assert readers.guess_format(path.name) == "jsonl"
    with pytest.raises(FileError, match=r"This looks like a JSON array; export JSON Lines \(one object per line\)"):
        read(path, "jsonl")


def test_json_lines_still_read_and_ascii_reads_as_utf8(tmp_path):
    lines = [json.dumps({"external_id": str(i), "channel": "voice"}) for i in range(3)]
    (tmp_path / "ok.jsonl").write_text("\n" + "\n".join(lines) + "\n")
    assert [line for line, _ in rows_of(read(tmp_path / "ok.jsonl", "jsonl"))] == [2, 3, 4]
    assert readers.sniff_encoding(io.BytesIO(b"a,b\n1,2\n")) == "utf-8"


@pytest.mark.parametrize("text", ["João Conceição", "Commande créée", "Renée"])
def test_western_text_with_adjacent_accents_is_not_taken_for_chinese(text):
    """créée's two accents decode as one GB2312 character (cr殚e): not Chinese for all that."""
    data = f"id,name\n1,{text}\n".encode("cp1252")
    with pytest.raises(FileError, match="Windows-1252"):
        list(readers.read(io.BytesIO(data), "csv"))


def test_chinese_beside_latin_letters_and_digits_is_still_chinese():
    data = "id,q\n1,iPhone手机售后\n2,A座B区\n3,订单号A12345已发货\n".encode("gb18030")
    [chunk] = list(readers.read(io.BytesIO(data), "csv"))
    assert [r[1] for r in chunk.rows] == ["iPhone手机售后", "A座B区", "订单号A12345已发货"]


@pytest.mark.parametrize("shift", [0, 1])
def test_a_gbk_sample_that_ends_inside_a_character_is_still_read(shift):
    """The encoding is judged on one 64 KiB block, which may cut a two-byte character in half."""
    data = ("x" * shift + "id,q\n1,a" + "售后服务" * 20000 + "\n").encode("gb18030")
    assert readers.sniff_encoding(io.BytesIO(data)) == "gb18030"


def test_a_record_nested_thousands_deep_is_rejected_on_its_line():
    deep = b'{"external_id":"2","channel":"voice","arrived_at":"2024-01-02T08:00:00Z","x":' + b"[" * 5000 + b"]" * 5000 + b"}\n"
    good = b'{"external_id":"1","channel":"voice","arrived_at":"2024-01-02T08:00:00Z"}\n'
    [chunk] = readers.read(io.BytesIO(good + deep), "jsonl")
    assert chunk.lines == [1]
    assert [(line, str(reason)) for line, _c, reason in chunk.bad] == [
        (2, "the record is nested too deeply (arrays or objects thousands of levels deep)")]
    record = {"external_id": "3"}
    for _ in range(5000):
        record = {"x": record}
    api = readers.records_chunk([{"external_id": "1"}, record])  # an API batch's records
    assert api.lines == [1] and [line for line, _c, _r in api.bad] == [2]


def test_json_lines_of_blank_lines_only_are_an_empty_file():
    with pytest.raises(FileError, match="The file is empty"):
        list(readers.read(io.BytesIO(b"\n  \n\r\n"), "jsonl"))


def _rezipped(workbook: bytes, part: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == part else data)
    return out.getvalue()


def test_damaged_workbooks_are_refused_with_a_reason():
    book = Workbook()
    book.active.append(["external_id", "channel", "arrived_at"])
    book.active.append(["1", "voice", "2024-01-02T08:00:00Z"])
    buffer = io.BytesIO()
    book.save(buffer)
    good = buffer.getvalue()
    no_sheets = _rezipped(good, "xl/workbook.xml", lambda d: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", d))
    encrypted = bytearray(good)  # the "encrypted" flag on every entry: zipfile refuses to read it
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for match in re.finditer(re.escape(signature), bytes(encrypted)):
            encrypted[match.start() + offset] |= 1
    for data in (no_sheets, bytes(encrypted)):
        with pytest.raises(FileError):
            list(readers.read(io.BytesIO(data), "xlsx"))


def test_gbk_that_happens_to_be_valid_utf8_is_refused_not_garbled(english):
    data = ("external_id,channel,arrived_at,agent_code\n1,voice,2024-01-02T08:00:00Z,魏巍\n"
            "2,voice,2024-01-02T09:00:00Z,肖战\n").encode("gb18030")
    data.decode("utf-8")  # (valid UTF-8: κΡ, Фս)
    with pytest.raises(FileError) as refused:
        list(readers.read(io.BytesIO(data), "csv"))
    assert str(refused.value) == ("Line 2: the text reads both as UTF-8 (κΡ) and as GB18030/GBK (魏巍), and either "
                                  "could be meant; save the file as UTF-8 with a BOM (Excel: CSV UTF-8) and retry.")
    [chunk] = readers.read(io.BytesIO(codecs.BOM_UTF8 + data.decode("gb18030").encode("utf-8")), "csv")
    assert [row[3] for row in chunk.rows] == ["魏巍", "肖战"]


@pytest.mark.parametrize("text", ["Müller, José, 25°C, Zürich", "中文 and κΡ", "plain ascii"])
def test_utf8_that_reads_plausibly_stays_utf8(text):
    data = f"external_id,channel,arrived_at,agent_code\n1,voice,2024-01-02T08:00:00Z,{text}\n".encode()
    assert readers.sniff_encoding(io.BytesIO(data)) == "utf-8"


def test_russian_utf8_without_a_bom_is_read_as_utf8():
    rows = "".join(f"{n},voice,2024-01-02T08:00:00Z,Иван Петров\n" for n in range(50))
    data = ("external_id,channel,arrived_at,agent_code\n" + rows).encode()
    assert readers.sniff_encoding(io.BytesIO(data)) == "utf-8"
