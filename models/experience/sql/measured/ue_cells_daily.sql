-- model: measured.ue_cells_daily
-- kind: whole
-- grain: cell_id, date
-- not_null: cell_id, date
-- inputs: measured.ue_cell_measures
-- feeds: ue-measurements
-- python: experience.ue_cells
-- measured.ue_cells_daily: one row per cell per UTC day on which a phone measured it: what
-- every session that used the cell that day experienced there, before scoring (the Python step
-- cxbridge.models.experience.measured:score_cells adds the score, the radio bands, the reason and a
-- ranking score that lets little evidence count for little).
select * exclude (days)
from measured.ue_cell_measures
where date is not null
order by cell_id, date
