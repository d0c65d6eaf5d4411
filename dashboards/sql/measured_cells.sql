-- Cells measured by phones, worst first by their evidence-weighted score (rank_score: a cell
-- seen for seconds sits near the overall score), with what the ranking rests on; at most $rows.
select cell_id, main_technology, sessions, days, samples, active_samples, evidence,
       dl_mean_mbps, dl_p10_mbps, reference_mbps, rsrp_dbm, rsrp_band, sinr_db, sinr_band,
       handovers_out, score, rank_score, poor, reason
from ue_cells
where rank_score is not null
order by rank_score, cell_id
limit $rows
