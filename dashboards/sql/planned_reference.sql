-- The day of traffic shares the planned-work tables were computed with (whatif.reference).
select shares_date from reference
