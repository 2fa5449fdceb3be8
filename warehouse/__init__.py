"""The warehouse: the Dagster resource every asset, check and sensor uses (warehouse.resource).

A package of its own, below both assets/ and dagster_project/: the asset modules import it, and
dagster_project imports the assets, so the resource can live in neither without an import cycle
(and the run lock it holds is imported by subprocesses without loading every asset module)."""
