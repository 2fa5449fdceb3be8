"""Whole-set publication: `published/` is always one complete set, a SIGKILL at any step of a
publication leaves the old set or the new one, and the next publication converges."""

import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse import publication_store as ps

REPO = Path(__file__).resolve().parents[2]


def make_set(folder: Path, tag: str) -> dict[str, bytes]:
    """A small set shaped like the analysts' one; returns its files' bytes."""
    for sub in ("parquet", "excel", "reports"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(folder / "marts.duckdb")) as con:
        con.execute(f"CREATE TABLE population_indicators AS SELECT '{tag}' AS tag, 1 AS n")
        con.execute(
            f"COPY population_indicators TO '{folder / 'parquet' / 'population_indicators.parquet'}'"
        )
    (folder / "excel" / "model_36.xlsx").write_bytes(f"xlsx {tag}".encode() * 100)
    (folder / "reports" / "model_36.html").write_text(f"<html>{tag}</html>")
    if tag == "C":  # a mart that no longer exists in the next set must not stay behind
        (folder / "parquet" / "old_mart.parquet").write_bytes(b"old")
    return snapshot(folder)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file()
    }


def publish(published: Path, tag: str) -> dict[str, bytes]:
    work = ps.new_work_dir(published)
    files = make_set(work, tag)
    ps.publish_version(work, published)
    return files


def assert_clean(data: Path, expected: dict[str, bytes]) -> None:
    published = data / "published"
    assert published.is_symlink() and snapshot(published) == expected
    versions = sorted(p.name for p in (data / "versions").iterdir())
    assert not [v for v in versions if v.startswith(".")]  # no .incoming leftovers
    assert len(versions) <= ps.KEEP
    assert not list(data.glob("published.tmp-*"))


def test_publish_switches_whole_sets_and_keeps_one_for_rollback(tmp_path):
    published = tmp_path / "published"
    a = publish(published, "A")
    assert_clean(tmp_path, a)
    c = publish(published, "C")
    b = publish(published, "B")
    assert_clean(tmp_path, b)
    assert "parquet/old_mart.parquet" not in b  # the dropped mart is gone from published/
    assert len(list((tmp_path / "versions").iterdir())) == 2
    ps.rollback(published)
    assert snapshot(published) == c
    assert a != c


def test_analyst_connection_survives_publications(tmp_path):
    published = tmp_path / "published"
    publish(published, "A")
    analyst = duckdb.connect(str(published / "marts.duckdb"), read_only=True)
    publish(published, "B")
    publish(published, "C")  # set A is deleted now: the open handle still reads it
    assert analyst.execute("SELECT tag FROM population_indicators").fetchone() == ("A",)
    with duckdb.connect(str(published / "marts.duckdb"), read_only=True) as fresh:
        assert fresh.execute("SELECT tag FROM population_indicators").fetchone() == ("C",)
    analyst.close()


def test_real_published_folder_is_migrated_with_its_leftovers_removed(tmp_path):
    published = tmp_path / "published"
    old = make_set(published, "A")
    leftover = published / ".incoming-deadbeef"
    leftover.mkdir()
    (leftover / "marts.duckdb.wal").write_bytes(b"partial")
    b = publish(published, "B")
    assert_clean(tmp_path, b)
    ps.rollback(published)
    assert snapshot(published) == old  # the old set, without the partial leftover


KILLER = """
import importlib.util, os, shutil, signal, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("ps", sys.argv[1])
ps = importlib.util.module_from_spec(spec); spec.loader.exec_module(ps)
published, template, kill_at = Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
work = ps.new_work_dir(published)
shutil.copytree(template, work, dirs_exist_ok=True)
calls = [0]
def trap(fn):
    def wrapped(*args, **kwargs):
        calls[0] += 1
        if calls[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return fn(*args, **kwargs)
    return wrapped
for name in ("rename", "replace", "symlink", "fsync", "unlink", "rmdir"):
    setattr(os, name, trap(getattr(os, name)))
shutil.rmtree = trap(shutil.rmtree)
ps.publish_version(work, published)
print(calls[0])
"""


def run_killer(published: Path, template: Path, kill_at: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            KILLER,
            str(REPO / "warehouse" / "publication_store.py"),
            str(published),
            str(template),
            str(kill_at),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("legacy", [False, True], ids=["versioned", "legacy-folder"])
def test_sigkill_at_every_step_of_a_publication(tmp_path, legacy):
    template_b, template_c = tmp_path / "tB", tmp_path / "tC"
    b, c = make_set(template_b, "B"), make_set(template_c, "C")
    data = tmp_path / "data"
    published = data / "published"

    def fresh_start() -> dict[str, bytes]:
        if data.exists():
            import shutil

            shutil.rmtree(data)
        data.mkdir()
        if legacy:
            return make_set(published, "A")
        return publish(published, "A")

    a = fresh_start()
    total = run_killer(published, template_b, 10**6)
    assert total.returncode == 0, total.stderr
    steps = int(total.stdout.strip())
    assert steps >= 5
    for kill_at in range(1, steps + 1):
        a = fresh_start()
        killed = run_killer(published, template_b, kill_at)
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr)
        # analysts see the old set or the new one, complete, never a mix or nothing
        seen = snapshot(published)
        assert seen in (a, b), f"kill at step {kill_at}: a mix or a partial set is published"
        assert not (published / ".incoming").exists()
        assert not [p for p in published.rglob(".incoming-*")]
        # the next publication converges to exactly the clean result
        work = ps.new_work_dir(published)
        import shutil

        shutil.copytree(template_c, work, dirs_exist_ok=True)
        ps.publish_version(work, published)
        assert_clean(data, c)


# ------------------------------------------------------------------ files carried over
def _carry(tmp_path, recorded, keys, published=True):
    old = tmp_path / "versions" / "v1"
    (old / "excel").mkdir(parents=True)
    (old / "excel" / "model_37.xlsx").write_bytes(b"the labour workbook")
    work = tmp_path / "versions" / ".incoming-v2"
    work.mkdir()
    carry = ps.CarryOver(old if published else None, recorded, work)
    carry.keys.update(keys)
    return carry, old, work


def test_a_file_whose_key_is_unchanged_is_linked_from_the_published_set(tmp_path):
    carry, old, work = _carry(
        tmp_path, {"excel/model_37.xlsx": "k1"}, {"excel/model_37.xlsx": "k1"}
    )
    assert carry.take("excel/model_37.xlsx")
    linked = work / "excel" / "model_37.xlsx"
    assert linked.read_bytes() == b"the labour workbook"
    assert linked.stat().st_ino == (old / "excel" / "model_37.xlsx").stat().st_ino
    assert carry.taken == ["excel/model_37.xlsx"]


@pytest.mark.parametrize(
    "recorded, keys, published, name",
    [
        ({"excel/model_37.xlsx": "k1"}, {"excel/model_37.xlsx": "k2"}, True, "model_37"),  # changed
        ({}, {"excel/model_37.xlsx": "k1"}, True, "model_37"),  # never recorded (a rollback)
        ({"excel/model_37.xlsx": "k1"}, {}, True, "model_37"),  # no key given
        ({"excel/model_37.xlsx": "k1"}, {"excel/model_37.xlsx": "k1"}, False, "model_37"),
        ({"excel/model_38.xlsx": "k1"}, {"excel/model_38.xlsx": "k1"}, True, "model_38"),  # gone
    ],
)
def test_any_doubt_writes_the_file(tmp_path, recorded, keys, published, name):
    carry, _, work = _carry(tmp_path, recorded, keys, published)
    assert not carry.take(f"excel/{name}.xlsx")
    assert not (work / "excel" / f"{name}.xlsx").exists() and carry.taken == []


def test_a_model_s_files_are_keyed_by_every_table_it_reads():
    """A workbook or report is carried over only when none of the tables it reads changed: its
    own marts and those its declaration names (public order's rates per 100,000 residents read
    population_rates; the population report reads the projection's tables)."""
    import domains
    from assets.publish import PUBLISHED_MARTS, tables_read

    by_model = {d.MODEL: set(tables_read(d)) for d in domains.DOMAINS}
    for model, read in by_model.items():
        assert {m.name for m in PUBLISHED_MARTS if m.model == model} <= read, model
    assert "population_rates" in by_model[39]
    assert {"population_projection", "population_projection_metadata"} <= by_model[36]
    assert by_model[37] == {m.name for m in PUBLISHED_MARTS if m.model == 37}
