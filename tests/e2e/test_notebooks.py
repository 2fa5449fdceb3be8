"""The analyst notebooks answer their questions on any landing: each runs top to bottom on the
published marts of the committed sample and of a generated landing of another seed and scale,
opens with its questions and answers, draws every chart it shows, says that figures are
perturbed and not additive, and checks what it shows (cells of the same persons equal, totals
against their parts within the perturbation's bound, and the generator's ground truth within
±D through DE06_GROUND_TRUTH). Also the helpers of notebooks/de06nb.py, on hand-made frames."""

import ast
import importlib.util
import json
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import polars as pl
import pytest
from nbclient import NotebookClient

from tests.conftest import SAMPLE

HERE = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(HERE.glob("*.ipynb"))
LANDINGS = ["sample_run", "other_landing_run"]


def _execute(path: Path, env: dict) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute(env=env)  # the kernel's own environment: threads share os.environ
    return nb


@pytest.fixture(scope="module", params=LANDINGS)
def executed(request):
    """Every notebook executed on one landing's publication, two at a time (two cores), with
    that landing's ground truth. Errors are kept per notebook, for its own test to report."""
    run = request.getfixturevalue(request.param)
    truth = (
        SAMPLE / "ground_truth"
        if request.param == "sample_run"
        else run.warehouse.landing.parent / "ground_truth"
    )
    env = {
        **os.environ,
        "DE06_DATA_DIR": str(run.warehouse.data),
        "DE06_GROUND_TRUTH": str(truth),
    }

    def one(path):
        try:
            return path.name, _execute(path, env), None
        except Exception as error:  # reported by the notebook's own test
            return path.name, None, error

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = {name: (nb, error) for name, nb, error in pool.map(one, NOTEBOOKS)}
    return request.param, results


def _plotly_outputs(nb) -> list[dict]:
    return [
        o["data"]["application/vnd.plotly.v1+json"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "application/vnd.plotly.v1+json" in o.get("data", {})
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_answers_its_questions(path, executed, nbh):
    landing, results = executed
    nb, error = results[path.name]
    assert error is None, f"{path.name} on {landing}: {str(error)[-3000:]}"
    code = [c for c in nb.cells if c.cell_type == "code"]
    outputs = [o for cell in code for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert all(cell.get("execution_count") for cell in code), "every cell ran"
    # it opens with its questions, and says the figures are perturbed and not additive
    intro = nb.cells[0].source
    assert "Câu hỏi / Questions" in intro
    assert "cell key method" in intro and "not additive" in intro and "không cộng dồn" in intro
    # the first code cell answers: a table of questions and answers with figures in it
    first = [o for o in code[0].outputs if "text/markdown" in o.get("data", {})]
    table = [
        o["data"]["text/markdown"]
        for o in first
        if "Câu hỏi / question" in o["data"]["text/markdown"]
    ]
    assert table and sum(ch.isdigit() for ch in table[0]) > 20, "the answers carry figures"
    questions = re.findall(r"^\d+\. ", intro, flags=re.MULTILINE)
    rows = [line for line in table[0].splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) - 1 == len(questions), "one answer per question"
    # every chart draws something (a chart of nothing failed silently before)
    figures = _plotly_outputs(nb)
    assert figures, "the notebook shows charts"
    for fig in figures:
        nbh.drawn(fig)  # as written to the output, typed arrays decoded
    # it checks what it shows: asserts in code, against the ground truth and another route
    asserts = [n for c in code for n in ast.walk(ast.parse(c.source)) if isinstance(n, ast.Assert)]
    assert len(asserts) >= 4
    assert any("truth(" in c.source for c in code)
    printed = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "within ±3 of the truth" in printed or "equals the truth" in printed, printed[-500:]


def test_notebooks_assume_no_suppression_nor_additivity():
    """No notebook reads a suppression flag, compares a total with the exact sum of its parts,
    or opens on the catalogue."""
    for path in NOTEBOOKS:
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        assert not re.search(r"_flag\b", text) and "'c'" not in text, path.name
        assert "FROM catalogue" not in text, path.name
        assert "sum_check" in text or "quality" in path.name, path.name


def test_exactly_one_notebook_per_published_model_and_one_for_quality():
    """Every model of the catalogue has its notebook (and the runs above cover each one)."""
    from domains import MARTS

    models = sorted({str(m.model) for m in MARTS})
    per_model = {m: [p.name for p in NOTEBOOKS if p.name.startswith(f"{m}_")] for m in models}
    assert all(len(names) == 1 for names in per_model.values()), per_model
    expected = {name for names in per_model.values() for name in names} | {"quality.ipynb"}
    assert {p.name for p in NOTEBOOKS} == expected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_are_committed_clean_and_read_published_only(path):
    nb = nbformat.read(path, as_version=4)
    text = path.read_text(encoding="utf-8")
    assert "warehouse.duckdb" not in text  # notebooks never open the pipeline's warehouse
    assert all(
        not c.get("outputs") and not c.get("execution_count")
        for c in nb.cells
        if c.cell_type == "code"
    )


def test_notebooks_are_generated_from_make_notebooks():
    """The .ipynb files are what notebooks/make_notebooks.py writes (review the .py)."""
    spec = importlib.util.spec_from_file_location("make_notebooks", HERE / "make_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert set(mod.NOTEBOOKS) == {p.name for p in NOTEBOOKS}
    for name, cells in mod.NOTEBOOKS.items():
        committed = nbformat.read(HERE / name, as_version=4)
        assert [c.source for c in committed.cells] == [c.source for c in mod.build(cells).cells], (
            name
        )


# ------------------------------------------------------------------ the helpers
@pytest.fixture(scope="module")
def nbh():
    sys.path.insert(0, str(HERE))
    try:
        import de06nb

        yield de06nb
    finally:
        sys.path.remove(str(HERE))


def test_sum_check_allows_the_perturbation_of_every_part_and_the_total(nbh):
    """True parts 10, 20, 30 (total 60), each published within 3: the total may be off the sum
    by 3 × (3 + 1) = 12, not more."""
    frame = pl.DataFrame(
        {
            "g": ["a"] * 4 + ["b"] * 4,
            "part": ["t", "x", "y", "z"] * 2,
            "n": [63, 7, 17, 27, 64, 7, 17, 27],  # a: 63 − 51 = 12 (allowed), b: 13 (not)
        }
    )
    out = nbh.sum_check(frame, ["g"], pl.col("part") == "t", "n", 3)
    assert out.select("g", "gap", "tolerance", "ok").rows() == [
        ("a", 12, 12, True),
        ("b", 13, 12, False),
    ]


def test_hierarchy_check_pairs_each_area_with_its_children(nbh):
    frame = pl.DataFrame(
        {
            "area_level": ["province", "district", "district", "commune", "commune", "commune"],
            "area_code": ["52", "001", "002", "00001", "00002", "00003"],
            "parent_code": [None, "52", "52", "001", "001", "002"],
            "n": [100, 60, 43, 30, 33, 40],
        }
    )
    out = nbh.hierarchy_check(frame, "n", [], 3).sort("group")
    assert out.select("level", "group", "total", "parts_sum", "parts").rows() == [
        ("district", "001", 60, 63, 2),
        ("district", "002", 43, 40, 1),
        ("province", "52", 100, 103, 2),
    ]
    assert out["ok"].all()


def test_against_truth_follows_the_cell_key_rules(nbh):
    true = pl.DataFrame({"k": list("abcdef"), "true": [10, 10, 0, 0, 4, 5]})
    published = pl.DataFrame({"k": list("abcde"), "published": [13, 14, 0, 3, 2]})
    out = nbh.against_truth(published, true, ["k"], 3, 2).sort("k")
    # within 3; 4 away; a zero stays zero; a true zero published 3; a published 2 never; missing
    assert out["ok"].to_list() == [True, False, True, False, False, False]
    nat = nbh.against_truth(
        pl.DataFrame({"k": ["a", "z"], "published": [10, 0]}), true, ["k"], 3, absent_is_zero=True
    )
    assert nat.sort("k")["true"].to_list() == [10, 0] and nat["ok"].all()


def test_drawn_refuses_a_chart_of_nothing(nbh):
    import plotly.express as px
    import plotly.io as pio

    nbh.drawn(px.bar(pl.DataFrame({"x": ["a"], "y": [1.0]}), x="x", y="y"))
    empty = px.bar(
        pl.DataFrame(
            {"x": ["a", "b"], "y": [None, None]}, schema={"x": pl.String, "y": pl.Float64}
        ),
        x="x",
        y="y",
    )
    with pytest.raises(AssertionError):
        nbh.drawn(empty)
    with pytest.raises(AssertionError):  # as a notebook output: typed arrays
        nbh.drawn(json.loads(pio.to_json(empty)))
    bars = px.bar(pl.DataFrame({"x": ["a", "b"], "y": [2.0, None]}), x="x", y="y")
    assert nbh.drawn(json.loads(pio.to_json(bars)))


def test_vietnamese_numbers_and_symmetric_ticks(nbh):
    assert nbh.vn(1234567.891, 1) == "1.234.567,9" and nbh.vn(None) == "-"
    values, labels = nbh.symmetric_ticks(1389)
    assert values == [-1000, -500, 0, 500, 1000] and labels == ["1.000", "500", "0", "500", "1.000"]
