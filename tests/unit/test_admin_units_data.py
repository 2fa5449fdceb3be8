"""vietnamadminunits is read for its data only (sources/admin_units.data_path): its folder is
found without importing the package, whose import builds address parsers the product never uses
(0.6 s of every run's start)."""

from pathlib import Path

from sources import admin_units
from tests.helpers import fresh_python


def test_the_data_files_are_found():
    for name in ("dataset.db", "converter_2025.json"):
        assert Path(admin_units.data_path(name)).is_file(), name


def test_reading_the_units_and_registering_the_rules_does_not_import_the_package():
    probe = (
        "import sys, duckdb\n"
        "from quality.rules import register_rules\n"
        "from sources import admin_units\n"
        "register_rules(duckdb.connect(), b'k' * 32)\n"
        "assert admin_units.data_path('dataset.db')\n"
        "print('vietnamadminunits' in sys.modules)"
    )
    assert fresh_python(probe).strip() == "False"
