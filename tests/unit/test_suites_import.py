"""great-expectations is imported when a suite first needs it (quality/suites.py), not when
the definitions load: `make dev` and a run's start-up do not wait about 8 s for it."""

import sys

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
