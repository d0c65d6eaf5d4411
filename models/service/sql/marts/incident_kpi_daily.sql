-- model: marts.incident_kpi_daily
-- kind: whole
-- grain: date, region
-- not_null: date
-- inputs: incidents.incidents
-- feeds: alarms
-- marts.incident_kpi_daily: one row per day × region on which unplanned alarm-based incidents
-- started, with how many cleared and the minutes from start to clear: the sums "time to
-- restore" (pipelines/platform/metrics.py) is a ratio of. Region is the incident's (NULL where
-- its root has none). It reads the incident models, so it is built after them, when the job
-- publishes (models/graph.py, STAGE_TABLES), and only while they exist.
create schema if not exists marts;

create or replace table marts.incident_kpi_daily as
select cast(started_at as date)                                   as date,
       region,
       count(*)                                                   as incidents,
       count(*) filter (where status = 'cleared' and ended_at is not null)
                                                                  as incidents_restored,
       coalesce(sum(date_diff('second', started_at, ended_at) / 60.0)
                    filter (where status = 'cleared' and ended_at is not null), 0)
                                                                  as restore_minutes
from incidents.incidents
where source = 'alarm' and not coalesce(planned, false)
group by all
order by date, region;
