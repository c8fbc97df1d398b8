"""Hostile and oversized input (issue 13): every reader refuses it with one line naming the file and the limit,
before inflating or parsing what the limit refuses; archives are read exactly; a file that is not text says so.

The bombs here are small (a limit lowered to match) except one per format at the default limits, which the
command line refuses under a 1 GiB address-space limit: a reader that inflated first would die there.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tracegraph._raw import LimitReached, UnreadableDataset, read_raw, read_raw_bytes
from tracegraph.io import check_dataset, check_upload, write_dataset
from tracegraph.limits import Limits

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "standards" / "zaozhuang"
TEMPLATE = ROOT / "data" / "standards" / "template" / "template-en.xlsx"
ROW = b'<row><c t="inlineStr"><is><t>370402</t></is></c><c t="inlineStr"><is><t>IT001</t></is></c><c><v>5</v></c></row>'


def sample_zip(extra: dict[str, bytes] | None = None, prefix: str = "", skip: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(SAMPLE.glob("*.csv")):
            if path.name not in skip:
                archive.writestr(prefix + path.name, path.read_bytes())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def bomb_zip(inflated: int) -> bytes:
    """The sample with a demand.csv that inflates to ``inflated`` bytes (from a few hundred KB)."""
    buffer = io.BytesIO()
    line = b"370402,IT001,5\n"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for path in sorted(SAMPLE.glob("*.csv")):
            if path.name != "demand.csv":
                archive.writestr(path.name, path.read_bytes())
        with archive.open("demand.csv", "w", force_zip64=True) as member:
            header = b"region,instrument_type,count\n"
            member.write(header)
            left, block = inflated - len(header), line * (1 << 16)
            while left > 0:
                member.write(block[:left])
                left -= len(block)
    return buffer.getvalue()


def template_with_demand(rows: int, dimension: str = "") -> bytes:
    """The shipped template with ``rows`` demand rows written into its demand sheet's XML."""
    source = zipfile.ZipFile(TEMPLATE)
    names = dict(zip(_sheet_names(source), sorted(n for n in source.namelist() if "worksheets/" in n), strict=False))
    demand = next(path for name, path in names.items() if name == "demand")
    head, tail = source.read(demand).split(b"</sheetData>")
    if dimension:
        head = head.replace(b"<sheetData>", f'<dimension ref="{dimension}"/><sheetData>'.encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            if name != demand:
                archive.writestr(name, source.read(name))
        with archive.open(demand, "w", force_zip64=True) as member:
            member.write(head)
            for start in range(0, rows, 10_000):
                member.write(ROW * min(10_000, rows - start))
            member.write(b"</sheetData>" + tail)
    return buffer.getvalue()


def _sheet_names(book: zipfile.ZipFile) -> list[str]:
    import re

    # sheetN.xml is the N-th sheet in the workbooks openpyxl writes (the template is one of them)
    return re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode())


def one_line(message: str) -> str:
    assert "\n" not in message.strip(), message
    return message


# --- compressed size, ratio, rows, cells -------------------------------------------------------------
def test_a_zip_member_inflating_past_the_limit_is_refused_from_its_header():
    data = bomb_zip(3 * 1024 * 1024)
    with pytest.raises(LimitReached) as caught:
        read_raw_bytes("bomb.zip", data, Limits(max_file_mb=1))
    message = one_line(str(caught.value))
    assert message.startswith("bomb.zip:demand.csv: inflates to 3.0 MiB")
    assert "limit max_file_mb = 1" in message and "TRACEGRAPH_LIMIT_MAX_FILE_MB" in message


def test_a_member_lying_about_its_size_is_stopped_at_what_it_declares():
    # demand.csv's central-directory entry says 1 KB: zipfile inflates 1 KB, finds the CRC wrong, and the
    # reader says the member is broken (never more than the header declares, never a traceback).
    data = _forge_size(bomb_zip(3 * 1024 * 1024), "demand.csv", 1024)
    with pytest.raises(UnreadableDataset) as caught:
        read_raw_bytes("forged.zip", data, Limits(max_file_mb=1))
    assert one_line(str(caught.value)).startswith("forged.zip:demand.csv: a broken zip member")


def _forge_size(data: bytes, member: str, size: int) -> bytes:
    """``data`` with ``member``'s uncompressed size replaced by ``size`` in its central directory entry."""
    import struct

    out = bytearray(data)
    start = out.find(b"PK\x01\x02")
    while start != -1:
        name_len = struct.unpack_from("<H", out, start + 28)[0]
        if out[start + 46:start + 46 + name_len] == member.encode():
            assert struct.unpack_from("<I", out, start + 24)[0] != 0xFFFFFFFF  # not a zip64 entry
            struct.pack_into("<I", out, start + 24, size)
            return bytes(out)
        start = out.find(b"PK\x01\x02", start + 4)
    raise AssertionError(member)


def test_a_highly_compressed_member_is_refused_by_its_ratio():
    data = bomb_zip(2 * 1024 * 1024)  # about 400:1
    with pytest.raises(LimitReached) as caught:
        read_raw_bytes("bomb.zip", data, Limits(max_ratio=50))
    message = one_line(str(caught.value))
    assert message.startswith("bomb.zip:demand.csv: compressed ") and "limit max_ratio = 50" in message


def test_a_small_member_is_never_judged_by_its_ratio():
    blanks = b"region,instrument_type,count\n" + b",,\n" * 20_000  # 60 KB of blank rows, compressing ≈ 500:1
    data = sample_zip({"demand.csv": blanks}, skip=("demand.csv",))
    raw = read_raw_bytes("blank.zip", data, Limits(max_ratio=2))
    assert raw["demand"].rows == []


def test_a_worksheet_past_the_size_or_ratio_limit_is_refused_before_openpyxl_opens_it():
    data = template_with_demand(50_000)  # ≈ 5 MB of XML, compressing ≈ 300:1
    with pytest.raises(LimitReached, match=r"^book.xlsx:xl/worksheets/sheet\d+.xml: compressed \d+:1"):
        read_raw_bytes("book.xlsx", data, Limits(max_ratio=100))
    with pytest.raises(LimitReached, match=r"^book.xlsx:xl/worksheets/sheet\d+.xml: inflates to 5.\d MiB"):
        read_raw_bytes("book.xlsx", data, Limits(max_file_mb=2, max_ratio=10_000))


@pytest.mark.parametrize("rows, limit, refused", [(2_999, 3_000, False), (3_000, 3_000, True), (3_001, 3_000, True)])
def test_worksheet_rows_are_counted_exactly_before_parsing(rows, limit, refused):
    data = template_with_demand(rows)  # + the header row
    limits = Limits(max_rows=limit, max_ratio=10_000)
    if refused:
        with pytest.raises(LimitReached, match=f"more than {limit:,} rows"):
            read_raw_bytes("book.xlsx", data, limits)
    else:
        assert len(read_raw_bytes("book.xlsx", data, limits)["demand"].rows) == rows


def test_row_counting_is_exact_across_chunk_boundaries(monkeypatch):
    from tracegraph import _raw

    monkeypatch.setattr(_raw, "_CHUNK", 37)  # tags cut by every chunk end
    data = template_with_demand(500)
    with pytest.raises(LimitReached):
        read_raw_bytes("book.xlsx", data, Limits(max_rows=500, max_ratio=10_000))
    assert len(read_raw_bytes("book.xlsx", data, Limits(max_rows=501, max_ratio=10_000))["demand"].rows) == 500


def test_a_worksheet_claiming_every_column_is_not_padded_to_them():
    data = template_with_demand(3, dimension="A1:XFD1048576")
    raw = read_raw_bytes("book.xlsx", data)
    assert [len(cells) for _, cells in raw["demand"].rows] == [3, 3, 3]


def test_a_row_with_too_many_cells_is_refused():
    book = zipfile.ZipFile(io.BytesIO(template_with_demand(1)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in book.namelist():
            body = book.read(name)
            if body.count(b"<row") == 2:  # the demand sheet: its header and the one row, then a cell at XFD3
                body = body.replace(b"</sheetData>", b'<row r="3"><c r="XFD3"><v>1</v></c></row></sheetData>')
            archive.writestr(name, body)
    with pytest.raises(LimitReached, match=r"^wide.xlsx:demand, row 3: more than 200 cells"):
        read_raw_bytes("wide.xlsx", buffer.getvalue())


def test_too_many_csv_rows(tmp_path):
    folder = write_dataset(None, tmp_path / "ds")
    (folder / "demand.csv").write_text("region,instrument_type,count\n" + "370402,IT001,1\n" * 100, encoding="utf-8")
    assert len(read_raw(folder, limits=Limits(max_rows=101))["demand"].rows) == 100
    with pytest.raises(LimitReached, match=r"^demand.csv: more than 100 rows"):
        read_raw(folder, limits=Limits(max_rows=100))


def test_too_many_json_records():
    doc = {"demand": [{"region": "370402", "instrument_type": "IT001", "count": 1}] * 10}
    data = json.dumps(doc).encode()
    with pytest.raises(LimitReached, match=r"^d.json:demand: more than 10 rows"):
        read_raw_bytes("d.json", data, Limits(max_rows=10))


@pytest.mark.parametrize("fmt", ["csv", "zip", "xlsx", "json"])
def test_a_cell_too_long_names_its_file_and_row(tmp_path, fmt):
    from tracegraph import io as tio

    dataset = tio.read_dataset(SAMPLE)
    long = dataset.standards[2].model_copy(update={"name": "量" * 20_001})
    dataset = dataset.model_copy(update={"standards": [*dataset.standards[:2], long, *dataset.standards[3:]]})
    path = write_dataset(dataset, tmp_path / ("ds" if fmt in ("csv", "zip") else f"ds.{fmt}"))
    if fmt == "zip":
        data = sample_zip({"standards.csv": (path / "standards.csv").read_bytes()}, skip=("standards.csv",))
        path = tmp_path / "ds.zip"
        path.write_bytes(data)
    with pytest.raises(LimitReached) as caught:
        read_raw(path, limits=Limits(max_cell_chars=20_000))
    message = one_line(str(caught.value))
    where = {"csv": "standards.csv", "zip": "standards.csv", "xlsx": "ds.xlsx:standards", "json": "ds.json:standards"}
    assert message.startswith(f"{where[fmt]}, row 4: a cell longer than 20,000 characters"), message
    assert read_raw(path, limits=Limits(max_cell_chars=20_001))["standards"].rows


def test_an_upload_larger_than_the_upload_limit():
    data = sample_zip()
    with pytest.raises(LimitReached, match=r"^big.zip: .* an upload may have \(limit max_upload_mb = 0.01"):
        read_raw_bytes("big.zip", data, Limits(max_upload_mb=0.01))  # type: ignore[arg-type]


def test_limits_come_from_the_variables_then_the_settings_file(tmp_path, monkeypatch):
    settings = tmp_path / "settings.toml"
    settings.write_text("[limits]\nmax_rows = 5000\nmax_ratio = 20\n", encoding="utf-8")
    monkeypatch.setenv("TRACEGRAPH_SETTINGS", str(settings))
    monkeypatch.setenv("TRACEGRAPH_LIMIT_MAX_ROWS", "7000")
    limits = Limits.resolve()
    assert (limits.max_rows, limits.max_ratio, limits.max_file_mb) == (7000, 20.0, Limits.max_file_mb)
    monkeypatch.setenv("TRACEGRAPH_LIMIT_MAX_ROWS", "many")
    with pytest.raises(ValueError, match="limit max_rows: 'many' is not a number"):
        Limits.resolve()


def test_the_defaults_fit_a_national_dataset_with_room():
    """tracegraph synth --provinces 31: ≈ 290,000 demand rows, a 48 MB worksheet, about 10:1 compressed."""
    limits = Limits()
    assert limits.max_rows >= 3 * 290_000 and limits.max_file_mb >= 4 * 48 and limits.max_ratio >= 5 * 10


def test_streamlit_refuses_the_same_uploads_as_tracegraph():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == Limits().max_upload_mb


# --- archives read exactly, files that are not text --------------------------------------------------
def test_two_members_for_one_table_name_both():
    data = sample_zip({"b/standards.csv": (SAMPLE / "standards.csv").read_bytes()}, prefix="a/")
    with pytest.raises(UnreadableDataset) as caught:
        read_raw_bytes("twice.zip", data)
    expected = "twice.zip: two files for table standards: a/standards.csv and b/standards.csv"
    assert one_line(str(caught.value)) == expected


def test_nested_folders_and_letter_case_are_accepted_when_each_table_is_there_once():
    plain, _ = check_upload("flat.zip", sample_zip())
    nested = io.BytesIO()
    with zipfile.ZipFile(nested, "w") as archive:
        for path in sorted(SAMPLE.glob("*.csv")):
            name = path.name.upper() if path.name == "regions.csv" else path.name
            archive.writestr(f"export/2026/{name}", path.read_bytes())
        archive.writestr("__MACOSX/export/2026/._standards.csv", b"\x00\x05\x16\x07 resource fork")
        archive.writestr("export/README.txt", b"not a table")
    dataset, report = check_upload("nested.zip", nested.getvalue())
    assert plain is not None and dataset == plain, report.errors


@pytest.mark.parametrize("content, reason", [
    (b"\x00" * 5000, "not a text file (it holds NUL bytes)"),
    ("code,name\n".encode("utf-16"), "not a text file in UTF-8 or GB18030 (it is UTF-16: save it as 'CSV UTF-8')"),
    (b"code,name\n\x81\x30\xff\xfe\n", "not a text file (neither UTF-8 nor GB18030)"),
])
def test_a_file_that_is_not_text_says_so_once(tmp_path, content, reason):
    folder = tmp_path / "ds"
    folder.mkdir()
    for path in SAMPLE.glob("*.csv"):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "regions.csv").write_bytes(content)
    with pytest.raises(UnreadableDataset) as caught:
        check_dataset(folder)
    assert str(caught.value) == f"regions.csv: {reason}"
    with pytest.raises(UnreadableDataset) as caught:
        read_raw_bytes("ds.zip", sample_zip({"regions.csv": content}, skip=("regions.csv",)))
    assert str(caught.value) == f"ds.zip:regions.csv: {reason}"


def test_gb18030_text_still_reads():
    text = (SAMPLE / "regions.csv").read_text(encoding="utf-8-sig")
    data = sample_zip({"regions.csv": text.encode("gb18030")}, skip=("regions.csv",))
    assert read_raw_bytes("ds.zip", data)["regions"].rows == read_raw(SAMPLE)["regions"].rows


# --- the command line, at the default limits, in bounded memory --------------------------------------
def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB: inflating 3 GiB would die here


@pytest.mark.parametrize("name", ["bomb.zip", "bomb.xlsx", "twice.zip", "nul"])
def test_the_command_line_refuses_hostile_input_in_one_line(tmp_path, name):
    path = tmp_path / name
    if name == "bomb.zip":
        path.write_bytes(bomb_zip(300 * 1024 * 1024))  # past the 256 MiB default
    elif name == "bomb.xlsx":
        path.write_bytes(template_with_demand(1_200_000))  # past the default rows and ratio
    elif name == "twice.zip":
        path.write_bytes(sample_zip({"b/standards.csv": (SAMPLE / "standards.csv").read_bytes()}, prefix="a/"))
    else:
        path.mkdir()
        for source in SAMPLE.glob("*.csv"):
            (path / source.name).write_bytes(source.read_bytes())
        (path / "regions.csv").write_bytes(b"\x00" * 4096)
    run = subprocess.run([sys.executable, "-m", "tracegraph.cli", "validate", str(path)], capture_output=True,
                         text=True, preexec_fn=_limited, timeout=300, env=_env(), check=False)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    line = one_line(run.stderr.strip())
    expected = {"bomb.zip": "bomb.zip:demand.csv: inflates to 300.0 MiB, over the 256.0 MiB one table may have",
                "bomb.xlsx": "bomb.xlsx:xl/worksheets/sheet", "twice.zip": "twice.zip: two files for table standards",
                "nul": "regions.csv: not a text file"}[name]
    assert line.startswith(expected), line


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "COLUMNS": "80", "TRACEGRAPH_SETTINGS": "/nonexistent"}  # the defaults, whatever is here


# --- the app's upload: the same one message, nothing loaded -------------------------------------------
APP_EXPECTS = {
    "bomb": "bomb.zip:demand.csv: inflates to 300.0 MiB, over the 256.0 MiB one table may have",
    "twice": "twice.zip: two files for table standards: a/standards.csv and b/standards.csv",
    "xlsx": "bomb.xlsx:xl/worksheets/sheet",
    "nul": "nul.zip:regions.csv: not a text file (it holds NUL bytes)",
}


@pytest.mark.parametrize("files", [
    [("bomb.zip", "bomb")], [("twice.zip", "twice")], [("ok.zip", "sample"), ("bomb.zip", "bomb")],
    [("bomb.xlsx", "xlsx")], [("nul.zip", "nul")],
])
def test_the_app_refuses_a_hostile_upload_with_its_message(files):
    from streamlit.testing.v1 import AppTest

    contents = {"bomb": lambda: bomb_zip(300 * 1024 * 1024), "sample": sample_zip,
                "twice": lambda: sample_zip({"b/standards.csv": (SAMPLE / "standards.csv").read_bytes()}, prefix="a/"),
                "xlsx": lambda: template_with_demand(1_200_000),
                "nul": lambda: sample_zip({"regions.csv": b"\x00" * 4096}, skip=("regions.csv",))}
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.sidebar.radio(key="lang").set_value("English")
    at.sidebar.radio(key="page").set_value("data")
    at.run()
    at.file_uploader(key="data_upload").set_value([(n, contents[kind](), "application/zip") for n, kind in files])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1
    assert APP_EXPECTS[files[-1][1]] in at.error[0].value
    assert not [b for b in at.button if b.key == "data_use"] and "uploaded" not in at.session_state


@pytest.mark.parametrize("env, expected", [
    ({"TRACEGRAPH_LIMIT_MAX_ROWS": "many"}, "limit max_rows: 'many' is not a number"),
    ({"TRACEGRAPH_LIMIT_MAX_RATIO": "0"}, "limit max_ratio: '0' must be more than 0"),
])
def test_a_malformed_limit_is_one_line_before_any_command(env, expected):
    run = subprocess.run([sys.executable, "-m", "tracegraph.cli", "coverage", str(SAMPLE)], capture_output=True,
                         text=True, env={**_env(), **env}, timeout=120, check=False)
    assert run.returncode == 2 and run.stdout == ""
    assert one_line(run.stderr.strip()).startswith(expected), run.stderr


def test_a_settings_file_that_is_not_toml(tmp_path):
    bad = tmp_path / "settings.toml"
    bad.write_text("[limits\nmax_rows = 3\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "tracegraph.cli", "coverage", str(SAMPLE)], capture_output=True,
                         text=True, env={**_env(), "TRACEGRAPH_SETTINGS": str(bad)}, timeout=120, check=False)
    assert run.returncode == 2 and one_line(run.stderr.strip()).startswith(f"{bad}: not a valid settings file")
