-- A failing row: a landing file whose rows received differ from its rows staged plus quarantined
-- in ops.reconciliation (failure rows_unaccounted: rows lost or doubled by the pipeline), or no
-- file reconciled at all (no_file_reconciled: the reconciliation has nothing to prove).
SELECT
    'rows_unaccounted' AS failure,
    source_file
FROM ops.reconciliation
WHERE rows_unaccounted <> 0
UNION ALL
SELECT
    'no_file_reconciled' AS failure,
    NULL AS source_file
WHERE NOT EXISTS (SELECT 1 FROM ops.reconciliation)
