"""Issue 8, items 4-6 on a small generated landing with planted values: a name with a passport
number and formula strings in the nationality of guest stays and in the category name of
incidents, and an establishment register with too few rooms (occupancy over 100 %).

Proves that none of the planted text reaches published/ (DuckDB, Parquet, Excel XML, HTML), the
Dagster event log (metadata, messages) or the Python logs of the run; that every published text
value is a reference value; that a mart's metadata holds no cell value; that occupancy over
100 % warns and the run publishes; and that the pseudonym key is in no DuckDB table, macro or
function definition."""

import csv
import hashlib
import json
import logging
import re
import zipfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import polars as pl
import pytest
import xlsxwriter

from tests.conftest import REPO

PASSPORT = "B7654321"
NAME_AND_PASSPORT = f"NGUYEN VAN PLANTED {PASSPORT}"
FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd", "@SUM(1)"]
PLANTED = [NAME_AND_PASSPORT, *FORMULAS]
# what must not appear anywhere (the formula strings whole; the person's name and number alone)
NEEDLES = [*FORMULAS, PASSPORT, "PLANTED", "HYPERLINK"]
KEY = "test-key-not-secret"  # tests/conftest.py sets DE06_PSEUDONYM_KEY


def _first_months(landing: Path, months: int = 6) -> None:
    """Keep the first `months` months of the generated landing (monthly files after them and
    yearly files of later years removed): a landing delivered up to then. What this module
    tests (free text, logs, metadata) does not need two years."""
    periods = sorted(
        {m.group(1) for f in landing.rglob("*.*") if (m := re.search(r"_(\d{4}-\d{2})\.", f.name))}
    )
    last = periods[months - 1]
    for f in landing.rglob("*.*"):
        period = re.search(r"_(\d{4}(?:-\d{2})?)\.", f.name)
        if period and period.group(1) > last[: len(period.group(1))]:
            f.unlink()


def _plant_stays(landing: Path) -> int:
    """The planted texts as the nationality of the first passport stays (a test fixture edit,
    a few lines of the monthly files)."""
    planted = 0
    for path in sorted((landing / "lodging").glob("stays_*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            row = json.loads(line)
            if row["guest_doc_type"] == "passport" and planted < 2 * len(PLANTED):
                row["guest_nationality"] = PLANTED[planted % len(PLANTED)]
                lines[i] = json.dumps(row, ensure_ascii=False)
                planted += 1
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return planted


def _plant_incidents(landing: Path) -> None:
    path = sorted((landing / "public_order").glob("incidents_*.csv"))[3]
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index("category_name")
    for i, text in enumerate(PLANTED, start=1):
        rows[i][col] = text
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _one_room_each(landing: Path) -> None:
    """The register lists one room per establishment (rooms lowered), and a guest is notified
    in a room the register does not have: more room-nights used than available."""
    path = landing / "lodging" / "establishments.xlsx"
    frame = pl.read_excel(path, infer_schema_length=0).with_columns(rooms=pl.lit("1"))
    with xlsxwriter.Workbook(str(path)) as wb:
        ws = wb.add_worksheet()
        for j, name in enumerate(frame.columns):
            ws.write_string(0, j, name)
        for i, row in enumerate(frame.iter_rows(), start=1):
            for j, v in enumerate(row):
                if v is not None:
                    ws.write_string(i, j, v)
    # and guests of the busiest establishment of the busiest month in rooms the register does
    # not have, the whole month, one more than there are establishments (one room each): that
    # month it uses more room-nights than any area holding it has, whatever the landing
    stays = max((landing / "lodging").glob("stays_*.jsonl"), key=lambda f: f.stat().st_size)
    rows = [json.loads(line) for line in stays.read_text(encoding="utf-8").splitlines()]
    busiest = Counter(r["establishment_id"] for r in rows).most_common(1)[0][0]
    month = re.search(r"\d{4}-\d{2}", stays.name).group(0)
    first = date.fromisoformat(f"{month}-01")
    after = (first + timedelta(days=32)).replace(day=1)
    template = next(r for r in rows if r["establishment_id"] == busiest)
    rows += [
        {
            **template,
            "notification_id": f"TB_ROOM_NOT_IN_REGISTER_{i}",
            "guest_doc_type": "passport",
            "guest_doc_number": f"R{1234567 + i}",
            "guest_nationality": "JPN",
            "check_in": f"{first} 14:00:00",
            "check_out": f"{after} 10:00:00",
            "notified_at": f"{first} 15:00:00",
            "room": f"R{i}",
        }
        for i in range(frame.height + 1)
    ]
    stays.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    from dagster_project.definitions import build_definitions
    from dagster_project.jobs import landing_months, range_tags
    from synthetic import DEFAULT_SOURCES, run_sources
    from warehouse.resource import Warehouse

    root = tmp_path_factory.mktemp("planted")
    run_sources(root / "gen", 0.005, 3, DEFAULT_SOURCES, verbose=False)
    landing = root / "gen" / "landing"
    _first_months(landing)
    n_stays = _plant_stays(landing)
    _plant_incidents(landing)
    _one_room_each(landing)

    warehouse = Warehouse(landing_dir=str(landing), data_dir=str(root / "data"))
    records = _Records()
    loggers = [logging.getLogger(), logging.getLogger("dagster")]
    for lg in loggers:
        lg.addHandler(records)
    instance = dg.DagsterInstance.ephemeral()
    try:
        result = (
            build_definitions(warehouse)
            .resolve_job_def("de06_all")
            .execute_in_process(
                tags=range_tags(landing_months(landing)), raise_on_error=False, instance=instance
            )
        )
    finally:
        for lg in loggers:
            lg.removeHandler(records)
    logs = instance.all_logs(result.run_id)
    return {
        "warehouse": warehouse,
        "result": result,
        "logs": logs,
        "records": records.lines,
        "n_stays": n_stays,
    }


def _published_texts(published: Path) -> dict[str, str]:
    """Every text a reader of published/ can see, per file: table cells (DuckDB, Parquet),
    the XML parts of the workbooks, the HTML reports."""
    texts = {}
    for path in sorted(published.rglob("*")):
        if not path.is_file():
            continue
        rel = str(path.relative_to(published))
        if path.suffix == ".duckdb":
            with duckdb.connect(str(path), read_only=True) as con:
                tables = [
                    r[0]
                    for r in con.execute(
                        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
                    ).fetchall()
                ]
                texts[rel] = "\n".join(
                    str(con.execute(f'SELECT list(COLUMNS(*)::VARCHAR) FROM "{t}"').fetchall())
                    for t in tables
                )
        elif path.suffix == ".parquet":
            texts[rel] = str(
                duckdb.sql(
                    f"SELECT list(COLUMNS(*)::VARCHAR) FROM read_parquet('{path}')"
                ).fetchall()
            )
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                texts[rel] = "\n".join(
                    z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")
                )
        elif path.name == "plotly.min.js":
            continue  # the plotly library itself, written from the package, not from data
        else:
            texts[rel] = path.read_text(encoding="utf-8")
    return texts


def test_planted_values_are_loaded_and_the_run_publishes(planted):
    """The planted texts are in raw (as received) and the run succeeds anyway."""
    assert planted["result"].success
    assert planted["n_stays"] >= len(PLANTED)  # every planted text in one stay at least
    with planted["warehouse"].connect() as con:
        raw_nat = {r[0] for r in con.execute("SELECT guest_nationality FROM raw.stays").fetchall()}
        raw_cat = {r[0] for r in con.execute("SELECT category_name FROM raw.incidents").fetchall()}
    assert set(PLANTED) <= raw_nat and set(PLANTED) <= raw_cat


def test_no_planted_text_in_published_files(planted):
    texts = _published_texts(planted["warehouse"].published)
    kinds = {Path(k).suffix for k in texts}
    assert {".duckdb", ".parquet", ".xlsx", ".html"} <= kinds
    found = [(f, n) for f, t in texts.items() for n in NEEDLES if n in t]
    assert found == []


def test_no_planted_text_in_dagster_events_or_logs(planted):
    events = "\n".join(repr(e) for e in planted["logs"])
    assert "ASSET_MATERIALIZATION" in events and len(planted["records"]) > 0
    for n in NEEDLES:
        assert n not in events
        assert not any(n in line for line in planted["records"])


def test_no_planted_text_past_raw(planted):
    """Staging, quarantine, intermediate and the marts hold none of it either."""
    with planted["warehouse"].connect() as con:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name NOT IN ('raw')"
        ).fetchall()
        for schema, table in tables:
            text = str(
                con.execute(f'SELECT list(COLUMNS(*)::VARCHAR) FROM {schema}."{table}"').fetchall()
            )
            assert not [n for n in NEEDLES if n in text], f"{schema}.{table}"


def test_unknown_nationality_is_other_and_counted(planted):
    with planted["warehouse"].connect() as con:
        unknown = con.execute(
            """SELECT sum(value) FROM ops.quality_figures
               WHERE source = 'stays' AND figure = 'unknown_nationality'"""
        ).fetchone()[0]
        other = con.execute(
            "SELECT count_if(guest_nationality = 'other') FROM staging.stays"
        ).fetchone()[0]
        quarantined = con.execute(
            "SELECT count_if(guest_nationality = 'other') FROM quarantine.stays"
        ).fetchone()[0]
        label = con.execute(
            """SELECT DISTINCT nationality_name FROM marts.tourism_by_nationality
               WHERE nationality = 'other'"""
        ).fetchall()
    assert unknown == other and other + quarantined == planted["n_stays"] and other > 0
    assert label == [("Quốc tịch khác hoặc không xác định",)]


def _literals() -> set[str]:
    """The quoted literals of the pipeline's SQL, the code lists of the suites and the codes of
    the contracts' code lists (sources/contracts/, read by read_code: the codes, never the
    spellings an extract wrote): the fixed code lists a published text value may come from
    besides the reference tables."""
    from quality import suites
    from sources.contracts import code_lists

    sql = [
        p.read_text(encoding="utf-8")
        for p in [*(REPO / "marts").glob("*.sql"), *(REPO / "quality").rglob("*.sql")]
    ]
    code = [re.sub(r"--[^\n]*", "", text) for text in sql]  # comments hold apostrophes
    found = {m for text in code for m in re.findall(r"'([^']*)'", text)}
    for name in dir(suites):
        value = getattr(suites, name)
        if name.isupper() and isinstance(value, (list, tuple)):
            found |= {str(v) for v in value}
    return found | {code for codes in code_lists() for code in codes.codes}


def test_published_text_values_come_from_reference_data(planted):
    """Every text cell of every published mart is a reference value (areas, ISO 3166, ICCS,
    violation codes, VSIC/VSCO lists) or a code of the pipeline's own code lists; an age group
    or band is computed. Nothing comes from an extract's free text. (The catalogue, the data
    dictionary and the disclosure tables are the project's own words about the marts; the
    planted-text scan of every published file covers them.)"""
    with planted["warehouse"].connect() as con:
        ref_tables = con.execute(
            """SELECT schema_name, table_name, column_name FROM duckdb_columns()
               WHERE data_type = 'VARCHAR' AND (schema_name = 'reference'
                     OR table_name IN ('labour_vsic_sections', 'labour_vsco_groups'))"""
        ).fetchall()
        allowed = _literals()
        for schema, table, column in ref_tables:
            allowed |= {
                r[0]
                for r in con.execute(
                    f'SELECT DISTINCT "{column}" FROM {schema}."{table}"'
                ).fetchall()
            }
    age = re.compile(r"\d{1,2}-\d{1,2}|\d{2}\+")
    bad = {}
    with duckdb.connect(
        str(planted["warehouse"].published / "marts.duckdb"), read_only=True
    ) as pub:
        columns = pub.execute(
            """SELECT table_name, column_name FROM duckdb_columns()
               WHERE data_type = 'VARCHAR' AND database_name = current_database()
                 AND table_name NOT IN ('catalogue', 'data_dictionary', 'disclosure_utility',
                                        'disclosure_audit', 'population_projection_metadata')
                 -- the projection's own words (its method and measures), written by its code
                 AND column_name NOT IN ('method', 'interval_kind', 'measure', 'measure_label')"""
        ).fetchall()
        assert len(columns) > 20
        for table, column in columns:
            values = {
                r[0]
                for r in pub.execute(
                    f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL'
                ).fetchall()
            }
            strays = {v for v in values if v not in allowed and not age.fullmatch(v)}
            if strays:
                bad[f"{table}.{column}"] = sorted(strays)[:5]
    assert bad == {}


def test_occupancy_over_100_warns_flags_and_publishes(planted):
    result = planted["result"]
    evaluations = {
        e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    occupancy = evaluations["room_occupancy_plausible"]
    assert not occupancy.passed and occupancy.severity == dg.AssetCheckSeverity.WARN
    assert evaluations["tourism_totals"].passed
    with planted["warehouse"].connect() as con:
        flagged, over = con.execute(
            """SELECT count(*) FILTER (WHERE room_occupancy_over_100),
                      count(*) FILTER (WHERE room_occupancy_rate > 1)
               FROM marts.tourism_monthly"""
        ).fetchone()
    assert flagged == over > 0
    assert occupancy.metadata["cells_over_full_occupancy"].value == flagged
    with duckdb.connect(
        str(planted["warehouse"].published / "marts.duckdb"), read_only=True
    ) as pub:
        rows, flagged_pub, over_pub = pub.execute(
            """SELECT count(*), count(*) FILTER (WHERE room_occupancy_over_100),
                      count(*) FILTER (WHERE room_occupancy_rate > 1)
               FROM tourism_monthly"""
        ).fetchone()
    # the marts are published; the published flag and rate follow from the published
    # (perturbed) occupied room-nights, so they agree with each other
    assert planted["result"].success and rows > 0
    assert flagged_pub == over_pub > 0


def test_blocking_checks_say_why():
    from dagster_project.definitions import build_definitions
    from warehouse.resource import Warehouse

    defs = build_definitions(Warehouse(landing_dir="/nonexistent", data_dir="/nonexistent"))
    graph = defs.resolve_asset_graph()
    for key in graph.asset_check_keys:
        spec = graph.get_check_spec(key)
        if spec.blocking:
            assert "blocks" in (spec.description or "").lower(), key
    assert not graph.get_check_spec(
        dg.AssetCheckKey(dg.AssetKey(["marts", "tourism_monthly"]), "room_occupancy_plausible")
    ).blocking


def test_mart_metadata_holds_no_cell_and_previews_are_protected(planted):
    """Mart assets carry counts of rows and the schema only; the previews on the published
    asset are rows of the published (protected) tables."""
    materializations = [
        e.dagster_event.event_specific_data.materialization
        for e in planted["logs"]
        if e.dagster_event and e.dagster_event.event_type_value == "ASSET_MATERIALIZATION"
    ]
    marts = [m for m in materializations if m.asset_key.path[0] == "marts"]
    assert len(marts) > 15
    for m in marts:
        for value in m.metadata.values():
            assert not isinstance(
                value, (dg.MarkdownMetadataValue, dg.JsonMetadataValue)
            ) or m.asset_key.path[1] in ("labour_base",), m.asset_key
    published = next(m for m in materializations if m.asset_key.path == ["published", "marts"])
    previews = {
        k.removeprefix("preview/"): v.value
        for k, v in published.metadata.items()
        if k.startswith("preview/")
    }
    assert "population_by_age_sex" in previews
    from assets.common import _markdown

    with duckdb.connect(
        str(planted["warehouse"].published / "marts.duckdb"), read_only=True
    ) as pub:
        for mart, md in previews.items():
            frame = pub.execute(f'SELECT * FROM "{mart}"').pl()
            if "area_level" in frame.columns:
                frame = frame.filter(pl.col("area_level") == "province")
            rows = _cells(_markdown(frame)) if frame.height else set()
            shown = _cells(md) if md != "(no rows)" else set()
            assert shown <= rows, mart


def _cells(markdown: str) -> set[tuple[str, ...]]:
    """The body rows of a markdown table as tuples of cell texts (padding aside)."""
    return {
        tuple(c.strip() for c in line.strip().strip("|").split("|"))
        for line in markdown.splitlines()[2:]
    }


def _secrets() -> list[str]:
    from quality.rules import hmac_blocks

    inner, outer = hmac_blocks(KEY.encode())
    return [KEY, KEY.encode().hex(), inner, outer, hashlib.sha256(bytes.fromhex(inner)).hexdigest()]


def test_key_in_no_function_definition_or_table(planted):
    with planted["warehouse"].connect() as con:
        functions = str(con.execute("SELECT * FROM duckdb_functions()").fetchall())
        assert "hmac_pseudonym" in functions  # the bound function is there, its key is not
        settings = str(con.execute("SELECT * FROM duckdb_settings()").fetchall())
        variables = str(con.execute("SELECT * FROM duckdb_variables()").fetchall())
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        contents = "\n".join(
            str(con.execute(f'SELECT list(COLUMNS(*)::VARCHAR) FROM {s}."{t}"').fetchall())
            for s, t in tables
        )
        views = str(con.execute("SELECT sql FROM duckdb_views()").fetchall())
    for secret in _secrets():
        for where in (functions, settings, variables, contents, views):
            assert secret.lower() not in where.lower()


def test_pseudonyms_unchanged_by_the_key_binding():
    """The bound function gives the same values as HMAC-SHA256, so every pseudonym stays."""
    import hmac

    from quality.rules import register_rules

    con = duckdb.connect()
    register_rules(con, KEY.encode())
    register_rules(con, KEY.encode())  # twice on one connection: rebinding is allowed
    values = ["052090001234", " 052090001234 ", "passport:KOR:M1234567", None, ""]
    got = [
        r[0]
        for r in con.execute(
            "SELECT pseudonym(v) FROM unnest(?::VARCHAR[]) t(v)", [values]
        ).fetchall()
    ]
    want = [
        hmac.new(KEY.encode(), v.strip().encode(), hashlib.sha256).hexdigest()
        if v and v.strip()
        else None
        for v in values
    ]
    assert got == want
    definition = con.execute(
        "SELECT macro_definition FROM duckdb_functions() WHERE function_name = 'pseudonym'"
    ).fetchone()[0]
    assert "hmac_pseudonym" in definition
    assert not any(s.lower() in definition.lower() for s in _secrets())


def test_workbook_text_is_never_a_formula(tmp_path):
    """A text cell starting with = + - @ is written as text with Excel's quote prefix (the data
    sheets; the yearbook tables are built from reference labels and numbers only)."""
    from domains import MARTS
    from reporting.workbook import DataSheet, write_workbook

    con = duckdb.connect()
    data = []
    for m in MARTS:
        if m.model == 39:
            con.execute(
                f'CREATE TABLE "{m.name}" AS SELECT * FROM (VALUES '
                "('=HYPERLINK(\"http://x\",\"y\")', 1), ('+cmd', 2), ('@SUM(1)', 3), "
                "('-1+1', 4), ('http://example.org', 5), ('Xã An Lão', 6)) t(area_name, incidents)"
            )
            data.append(DataSheet(m.name, m.title_vi, m.title_en))
    path = tmp_path / "model_39.xlsx"
    write_workbook(
        path, con, model=39, title=("t", "t"), source="s", tables=[], data=data, labels={}
    )
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        shared = z.read("xl/sharedStrings.xml").decode()
        styles = z.read("xl/styles.xml").decode()
        rels = [n for n in z.namelist() if "worksheets/_rels" in n]
    assert not any("<f>" in s for s in sheets)  # no formula anywhere
    assert rels == []  # no hyperlink relation
    texts = shared + "".join(sheets)  # data rows hold their texts in-line
    assert '<t>=HYPERLINK("http://x","y")</t>' in texts and "<t>+cmd</t>" in texts
    assert 'quotePrefix="1"' in styles
    ws = openpyxl.load_workbook(path)[data[0].name[:31]]
    inert = {c.value: c.quotePrefix for c in ws["A"][3:]}
    assert inert == {
        '=HYPERLINK("http://x","y")': True,
        "+cmd": True,
        "@SUM(1)": True,
        "-1+1": True,
        "http://example.org": False,
        "Xã An Lão": False,
    }
