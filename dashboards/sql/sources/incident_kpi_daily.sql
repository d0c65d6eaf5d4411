-- needs: incidents
-- incident_kpi_daily, derived when the snapshot does not carry it: one row per day × region on
-- which unplanned alarm-based incidents started, with how many cleared and the minutes from
-- start to clear (the sums "time to restore" in dashboards/registry.py is a ratio of).
select cast(started_at as date)                                   as date,
       region,
       count(*)                                                   as incidents,
       count(*) filter (where status = 'cleared' and ended_at is not null)
                                                                  as incidents_restored,
       coalesce(sum(date_diff('second', started_at, ended_at) / 60.0)
                    filter (where status = 'cleared' and ended_at is not null), 0)
                                                                  as restore_minutes
from incidents
where source = 'alarm' and not coalesce(planned, false)
group by all
