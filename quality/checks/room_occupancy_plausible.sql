-- A failing row: a cell of marts.tourism_monthly (month, area, establishment type, guest origin)
-- whose guests occupied more room-nights than the establishment register lists, flagged
-- room_occupancy_over_100 (failure cells_over_full_occupancy). A register defect: the cell is
-- published as computed, with its flag.
SELECT 'cells_over_full_occupancy' AS failure, month, area_level, area_code
FROM marts.tourism_monthly
WHERE room_occupancy_over_100
