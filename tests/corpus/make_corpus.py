"""Write the corpus: the base landing (tests/corpus/base/landing/) and each case's files
(tests/corpus/cases/<name>/landing/…, a case's removed base files listed in its removed.txt),
and tests/corpus/README.md, the list of cases and what must happen to each.

    python -m tests.corpus.make_corpus            # into tests/corpus/
    python -m tests.corpus.make_corpus --out DIR  # elsewhere (tests/e2e/test_corpus.py compares)
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from tests.corpus import base
from tests.corpus.cases import CASES, Case

HERE = Path(__file__).resolve().parent


def write_case(case: Case, folder: Path) -> None:
    removed = []
    for relative, content in case.files().items():
        path = folder / "landing" / relative
        if content is None:
            removed.append(relative)
        elif isinstance(content, bytes):
            base.write_bytes(path, content)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            content(path)
    if removed:
        (folder / "removed.txt").write_text("\n".join(removed) + "\n", encoding="utf-8")


def readme() -> str:
    lines = [
        "# The corpus: extracts as offices really send them",
        "",
        "Each case is the base landing (`base/landing/`: every source, January and February "
        "2025, a few rows each) with the files of `cases/<name>/landing/` put in place. "
        "`tests/e2e/test_corpus.py` runs each case through the raw, staging and reconciliation "
        "assets of its source (the whole job for two of them, to prove `published/` is left as "
        "it was after a failed run). Written by `python -m tests.corpus.make_corpus` from "
        "`cases.py` (what each case is and what must happen) and `base.py`; do not edit the "
        "files by hand. A new kind of odd file: add a case to `cases.py`, run the script, "
        "commit both.",
        "",
        "A case that loads must account for every row of its files (the reconciliation: staged "
        "+ quarantined = rows in); a case that fails must name the file, the problem and the "
        "fix, and quote no value of the file.",
        "",
        "| case | source | what the office did | what must happen |",
        "|---|---|---|---|",
    ]
    for c in CASES:
        lines.append(f"| `{c.name}` | {c.source} | {c.story} | {c.expected} |")
    return "\n".join(lines) + "\n"


def make(out: Path) -> None:
    for sub in ("base", "cases"):
        shutil.rmtree(out / sub, ignore_errors=True)
    base.write_base(out / "base" / "landing")
    for case in CASES:
        write_case(case, out / "cases" / case.name)
    (out / "README.md").write_text(readme(), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE)
    make(parser.parse_args().out)


if __name__ == "__main__":
    main()
