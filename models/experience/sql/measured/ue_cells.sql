-- model: measured.ue_cells
-- kind: whole
-- grain: cell_id
-- not_null: cell_id
-- inputs: measured.ue_cell_measures
-- feeds: ue-measurements
-- python: experience.ue_cells
-- measured.ue_cells: one row per cell a phone measured, over every day of the logs: what
-- every session that used the cell experienced there, before scoring (the Python step
-- cxbridge.models.experience.measured:score_cells adds the score, the radio bands, the reason and a
-- ranking score that lets little evidence count for little).
select * exclude (date)
from measured.ue_cell_measures
where date is null
order by cell_id
