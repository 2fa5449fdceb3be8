"""`make print-check`: print every workbook of a published folder to PDF with LibreOffice
(headless) and count its pages with pdfinfo (poppler-utils). A workbook that prints in more than
PAGE_BUDGET pages fails. Not part of `make test` (it needs LibreOffice, about 400 MB, which
`make print-check` installs with apt-get when it is missing).

    python -m reporting.print_check data/published/excel [--out folder-for-the-pdfs]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from reporting.text import md_table
from reporting.workbook import PAGE_BUDGET


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))


def render(workbooks: list[Path], out: Path) -> dict[str, int]:
    """Each workbook as a PDF in `out` (LibreOffice prints every sheet's print area with its
    page set-up); the page count of each."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdfinfo") is None:
        raise SystemExit("LibreOffice (soffice) and pdfinfo are needed: make print-check")
    with tempfile.TemporaryDirectory() as profile:  # a fresh profile: no dialogs, no locks
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                *map(str, workbooks),
            ],
            check=True,
            capture_output=True,
            timeout=1200,
        )
    return {w.name: pages(out / f"{w.stem}.pdf") for w in workbooks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a published excel/ folder")
    parser.add_argument("--out", type=Path, help="keep the PDFs here (default: a temporary folder)")
    args = parser.parse_args(argv)
    workbooks = sorted(args.folder.glob("*.xlsx"))
    if not workbooks:
        raise SystemExit(f"no workbook in {args.folder}: run `make run` first")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        counts = render(workbooks, out)
    rows = [
        [name, n, "ok" if n <= PAGE_BUDGET else f"over {PAGE_BUDGET}"] for name, n in counts.items()
    ]
    print(md_table(["workbook", "printed pages (A4)", f"at most {PAGE_BUDGET}"], rows))
    return 0 if all(n <= PAGE_BUDGET for n in counts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
