-- The current state of one incident (:incident_id), derived from all its events: one row of
-- incident_state, replaced. handed_over once handed over, else acknowledged once acknowledged,
-- else new; the assignee and ticket id of the latest assign and hand-over.
with events as (
    select * from workflow_events where incident_id = :incident_id
),
latest as (
    select
        (select value from events where action = 'assign'
         order by event_id desc limit 1)                               as assignee,
        (select value from events where action = 'handover'
         order by event_id desc limit 1)                               as ticket_id,
        (select at from events where action = 'acknowledge'
         order by event_id limit 1)                                    as acknowledged_at,
        (select user from events where action = 'acknowledge'
         order by event_id limit 1)                                    as acknowledged_by,
        (select at from events where action = 'handover'
         order by event_id limit 1)                                    as handed_over_at,
        (select user from events where action = 'handover'
         order by event_id limit 1)                                    as handed_over_by,
        (select count(*) from events where action = 'note')            as notes,
        (select at from events order by event_id desc limit 1)        as updated_at,
        (select user from events order by event_id desc limit 1)      as updated_by
),
final as (
    select
        :incident_id                                                   as incident_id,
        case when handed_over_at is not null then 'handed_over'
             when acknowledged_at is not null then 'acknowledged'
             else 'new' end                                            as state,
        *
    from latest
    where updated_at is not null
)
insert or replace into incident_state
    (incident_id, state, assignee, ticket_id, acknowledged_at, acknowledged_by,
     handed_over_at, handed_over_by, notes, updated_at, updated_by)
select incident_id, state, assignee, ticket_id, acknowledged_at, acknowledged_by,
       handed_over_at, handed_over_by, notes, updated_at, updated_by
from final
