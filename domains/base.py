"""What a domain declares, in plain data (no Dagster): the mart catalogue entry (`Mart`), a
staging step (`Staging`) and a SQL check (`Check`). `assets/` builds the Dagster assets and
checks from these; `domains/__init__.py` assembles the registries."""

from __future__ import annotations

from dataclasses import dataclass

from protection.perturb import Perturbation
from reporting.dictionary import Label

AREA_KEYS = ("area_level", "area_code")

# Labels of the columns every model shares (each domain declares its own in LABELS): printed in
# the workbooks and reports, and the data dictionary's entries (reporting/dictionary.py).
COMMON_LABELS: dict[str, Label] = {
    "ref_date": Label(
        "Thời điểm",
        "Reference date",
        "ngày / date",
        "The reference date of a stock: 00:00 on that day (the population on 1 January is the "
        "population at the end of 31 December); for labour, the register's reference date.",
    ),
    "month": Label(
        "Tháng", "Month", "tháng / month (first day)", "The calendar month, as its first day."
    ),
    "year": Label("Năm", "Year", "năm / year", "The calendar year."),
    "area_level": Label(
        "Cấp địa bàn",
        "Area level",
        "mã / code",
        "province (the former Bình Định province), district (its 11 former districts, kept "
        "as a grouping after 1 July 2025) or commune (the 58 communes and wards of 2025).",
    ),
    "area_code": Label(
        "Mã địa bàn",
        "Area code",
        "mã / code",
        "GSO code of the area: 52 the province, 3 digits a former district, 5 digits a 2025 "
        "commune (vietnamadminunits).",
    ),
    "area_name": Label(
        "Tên địa bàn", "Area name", "văn bản / text", "Official name of the area (GSO list)."
    ),
    "parent_code": Label(
        "Mã địa bàn cấp trên",
        "Parent area code",
        "mã / code",
        "The area one level up: the former district of a commune, the province of a district.",
    ),
    "sex": Label(
        "Giới tính",
        "Sex",
        "mã / code",
        "Nam (male), Nữ (female); 'Tổng' both sexes, counted on its own (tables are not additive).",
    ),
    "age_group": Label(
        "Nhóm tuổi",
        "Age group",
        "năm tuổi / years",
        "Age in completed years in five-year groups 0-4 … 75-79, 80+ (GSO); 'Tổng' all ages.",
    ),
    "population": Label("Dân số", "Population", "người / persons"),
}


@dataclass(frozen=True)
class Mart:
    name: str
    model: int
    title_vi: str
    title_en: str
    grain: str
    perturbation: Perturbation
    note: str = ""  # what else an analyst should know about its protection, in words
    sql_file: str = ""  # defaults to <name>.sql
    # (column, grain 'day', 'month' or 'year') where the mart's SQL computes only the periods
    # from the variable rebuild_from on (macro rebuild_from): a new month then recomputes the
    # periods it changes and keeps the others (warehouse/incremental.rebuild_periods); None:
    # always whole
    period: tuple[str, str] | None = None

    @property
    def sql(self) -> str:
        return self.sql_file or f"{self.name}.sql"

    @property
    def disclosure_rule(self) -> str:
        """The mart's protection in words (catalogue, data dictionary)."""
        p = self.perturbation
        parts = []
        if p.counts:
            parts.append(
                f"Counts ({', '.join(p.counts)}) perturbed by the cell key method: at most "
                "±3, never 1 or 2, zeros stay zeros; the same persons or events give the same "
                "value in every table and release."
            )
        if p.magnitudes:
            parts.append(
                f"Magnitudes ({', '.join(p.magnitudes)}) perturbed around the cell's largest "
                "single contribution (cell key method)."
            )
        if p.derived:
            parts.append(
                f"Derived figures ({', '.join(p.derived)}) computed from the published figures."
            )
        if p.exact:
            parts.append(f"Published as counted (register figures): {', '.join(p.exact)}.")
        parts.append("Not additive: a total is not the sum of its published parts.")
        if self.note:
            parts.append(self.note)
        return " ".join(parts)


@dataclass(frozen=True)
class Staging:
    """A staging step: quality/sql/<sql_file> turns raw.<source> into staging.<source> (accepted
    rows) and quarantine.<source> (rejected rows with reason codes); `drop` lists working
    columns of the SQL that are not kept. The descriptions are the two assets' descriptions."""

    source: str
    sql_file: str
    staged: str
    rejected: str
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    """A check of quality/checks/<name>.sql (a query returning the failing rows) on an asset;
    assets.common.sql_check builds the Dagster check from it."""

    name: str
    asset: tuple[str, ...]
    blocking: bool
    description: str
