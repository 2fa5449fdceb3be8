"""great-expectations is imported when a suite first needs it (quality/suites.py), or in the
background as soon as a run loads a new file, never when the definitions load: `make dev` and a
run's start-up do not wait about 8 s for it."""

import sys
from pathlib import Path

from tests.helpers import fresh_python


def test_loading_the_definitions_does_not_import_great_expectations():
    probe = (
        "import sys, dagster_project.definitions, domains\n"
        "assert domains.DOMAINS\n"
        "print(sorted(m for m in sys.modules if m.startswith('great_expectations'))[:3])"
    )
    assert fresh_python(probe).strip() == "[]"


def test_the_module_imported_on_first_use_is_configured_and_names_expectations():
    from quality import suites

    suites.great_expectations()
    from great_expectations.execution_engine import pandas_execution_engine

    assert "great_expectations.expectations" in sys.modules
    assert pandas_execution_engine.HASH_THRESHOLD == 0  # no hashing of whole frames
    expectation = suites.gxe.ExpectColumnValuesToNotBeNull(column="person_key")
    assert type(expectation).__module__.startswith("great_expectations.")


def test_great_expectations_is_imported_without_building_the_iri_grammar():
    # jsonschema (through altair) builds rfc3987_syntax's grammar at import, 1.1 s that no
    # suite uses: it is hidden during the import, and importable again after it.
    probe = (
        "import sys\n"
        "from quality import suites\n"
        "suites.great_expectations()\n"
        "assert 'jsonschema._format' in sys.modules\n"
        "print('rfc3987_syntax' in sys.modules, 'rfc3987_syntax' not in sys.modules "
        "or sys.modules['rfc3987_syntax'] is not None)\n"
        "import importlib.util\n"
        "print(importlib.util.find_spec('rfc3987_syntax') is not None)"
    )
    loaded, installed = fresh_python(probe).split("\n", 1)
    assert loaded == "False True"
    if installed.strip() == "True":  # where jupyterlab brought it: still importable afterwards
        fresh_python(probe + "\nimport rfc3987_syntax")


def test_great_expectations_leaves_altair_and_scipy_stats_to_their_first_use():
    # 0.2 to 0.3 s of GX's import, for expectations and renderers no suite uses: its modules
    # hold stand-ins that import the real module when first read; anyone else imports it as usual
    probe = (
        "import sys\n"
        "from quality import suites\n"
        "suites.great_expectations()\n"
        "print('altair' in sys.modules, 'scipy.stats' in sys.modules)\n"
        "from great_expectations.expectations.core import "
        "expect_column_kl_divergence_to_be_less_than as kl\n"
        "print(round(float(kl.stats.entropy([0.5, 0.5])), 4), 'scipy.stats' in sys.modules)\n"
        "import altair, scipy.stats\n"
        "print(kl.alt.Chart is altair.Chart, kl.stats.entropy is scipy.stats.entropy)"
    )
    assert fresh_python(probe).split("\n")[:3] == ["False False", "0.6931 True", "True True"]


def test_the_background_import_is_the_one_the_suites_get_and_runs_once():
    # a run that loads a new file starts the import in a thread (assets.common.load_files); the
    # first suite waits for it and gets the configured module; the switch interval is put back
    probe = (
        "import sys\n"
        "from quality import suites\n"
        "interval = sys.getswitchinterval()\n"
        "suites.import_in_background()\n"
        "first = suites._background\n"
        "suites.import_in_background()\n"
        "gx = suites.great_expectations()\n"
        "first.join()\n"
        "from great_expectations.execution_engine import pandas_execution_engine as pe\n"
        "print(first.name, suites._background is first, gx is sys.modules['great_expectations'],"
        " pe.HASH_THRESHOLD, sys.getswitchinterval() == interval)"
    )
    assert fresh_python(probe).split() == [
        "great-expectations-import",
        "True",
        "True",
        "0",
        "True",
    ]


def test_a_new_or_replaced_file_starts_the_import_and_an_unchanged_one_does_not(
    tmp_path, monkeypatch
):
    import shutil

    import dagster as dg

    from assets import common, population
    from quality import suites
    from warehouse.resource import Warehouse

    landing = tmp_path / "landing"
    (landing / "population").mkdir(parents=True)
    sample = Path(__file__).resolve().parents[2] / "data_samples" / "landing" / "population"
    shutil.copy2(sample / "residents_2024-01-01.csv", landing / "population")
    started = []
    monkeypatch.setattr(suites, "import_in_background", lambda: started.append(True))
    assert common.suites is suites
    wh = Warehouse(landing_dir=str(landing), data_dir=str(tmp_path / "data"))
    for expected in (1, 1):  # loaded, then unchanged: no second start
        assert dg.materialize([population.raw_residents], resources={"warehouse": wh}).success
        assert len(started) == expected
    delivered = landing / "population" / "residents_2024-01-01.csv"
    lines = delivered.read_text(encoding="utf-8").splitlines(keepends=True)
    delivered.write_text("".join(lines[:-1]), encoding="utf-8")  # a corrected delivery
    assert dg.materialize([population.raw_residents], resources={"warehouse": wh}).success
    assert len(started) == 2  # replaced: its rows will be validated again
