"""The analyst notebooks run top to bottom on the published marts of the sample run, and each
checks a figure it shows against an independent computation (another published table, and the
sample's ground truth through DE06_GROUND_TRUTH)."""

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import SAMPLE

HERE = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(HERE.glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_on_published_marts(path, sample_run, monkeypatch):
    monkeypatch.setenv("DE06_DATA_DIR", str(sample_run.warehouse.data))
    monkeypatch.setenv("DE06_GROUND_TRUTH", str(SAMPLE / "ground_truth"))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    outputs = [o for cell in code for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert all(cell.get("execution_count") for cell in code), "every cell ran"
    # each notebook checks figures: asserts against ground truth and against another route
    asserts = [n for c in code for n in ast.walk(ast.parse(c.source)) if isinstance(n, ast.Assert)]
    assert len(asserts) >= 2
    assert any("truth(" in c.source for c in code)


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
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_notebooks", HERE / "make_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert set(mod.NOTEBOOKS) == {p.name for p in NOTEBOOKS}
    for name, cells in mod.NOTEBOOKS.items():
        committed = nbformat.read(HERE / name, as_version=4)
        assert [c.source for c in committed.cells] == [c.source for c in mod.build(cells).cells], (
            name
        )
