"""The analyst notebooks run top to bottom on the published marts of the sample run."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_on_published_marts(path, sample_run, monkeypatch):
    monkeypatch.setenv("DE06_DATA_DIR", str(sample_run.warehouse.data))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert len(outputs) >= 4


def test_there_is_a_notebook_per_delivered_model():
    assert NOTEBOOKS and any(p.name.startswith("36_") for p in NOTEBOOKS)
    for nb in NOTEBOOKS:
        text = nb.read_text(encoding="utf-8")
        assert "warehouse.duckdb" not in text  # notebooks never open the pipeline's warehouse
        assert '"outputs": []' in text or "outputs" not in text  # committed without outputs
