"""What analysts read and print, built from the published marts only: yearbook tables,
charts, HTML reports (Jinja2 templates in reporting/templates/), Excel workbooks, the index
page, the data dictionary and the CSV copies.

Public modules, each usable on its own:

- `reporting.text`: the shared words (the perturbation note, symbols, source), Vietnamese
  number formatting, `md_table`;
- `reporting.yearbook`: `YearbookTable` and its builders (rows the areas or the categories,
  columns the periods, the latest year marked preliminary, rates on a small base marked);
- `reporting.charts`: plotly figures that cannot mislead (complete stacks with the published
  total, areas proportional to values, one colour per series, bilingual labels);
- `reporting.html`: report sections and pages rendered from the templates;
- `reporting.workbook`: print-ready workbooks (openpyxl header/footer objects, print areas;
  the data sheets' rows built by polars for all rows at once);
- `reporting.dictionary`: labels, SQL headers, the data dictionary and the catalogue entry;
- `reporting.files`: the CSV copies and the plotly library beside the reports.

The package knows nothing of the domains: the registries (models, titles, sources, tables,
sections, labels, marts) are passed in by the caller (assets/publish.py, domains/<domain>.py).
It never imports `domains`, `assets` or `dagster`."""
