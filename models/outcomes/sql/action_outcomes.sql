-- core.action_outcomes: one row per action × follow-up window ($windows, days) whose window
-- ends on or before the last day of data ($observed_until): did the customer leave within it
-- (churn_date at most the action date + W), how many tickets they raised in it (from the time
-- of the action), their experience in it (the mean of their daily experience index over the
-- days after the action, marts.customer_daily; null when no day of theirs was scored), and the
-- revenue they paid in it (their monthly charges pro rata for the days they were still in
-- service).
-- Parameters: $windows (integer[]), $observed_until (date).
create or replace table core.action_outcomes as
with windows as (
    select unnest($windows::integer[]) as window_days
),
followed as (
    select a.*, w.window_days, a.action_date + w.window_days::integer as window_end
    from core.actions a
    cross join windows w
    where a.action_date + w.window_days::integer <= $observed_until::date
),
tickets as (
    select f.action_id, f.window_days, count(t.ticket_id) as tickets
    from followed f
    join stg.tickets t
      on t.customer_id = f.customer_id
     and t.created_at >= f.sent_at
     and cast(t.created_at as date) < f.window_end
    group by f.action_id, f.window_days
),
experience as (
    select f.action_id, f.window_days, avg(d.sei_mean) as experience
    from followed f
    join marts.customer_daily d
      on d.customer_id = f.customer_id
     and d.date > f.action_date
     and d.date <= f.window_end
    group by f.action_id, f.window_days
),
final as (
    select
        f.action_id, f.customer_id, f.programme, f.arm, f.action_date, f.window_days,
        f.segment, f.region, f.contract_type, f.cost_eur,
        coalesce(f.churn_date <= f.window_end, false)                        as churned,
        coalesce(t.tickets, 0)                                               as tickets,
        e.experience,
        f.monthly_charges_eur
          * least(f.window_days, coalesce(f.churn_date - f.action_date, f.window_days))
          / 30.0                                                             as revenue_eur
    from followed f
    left join tickets t using (action_id, window_days)
    left join experience e using (action_id, window_days)
)
select * from final
order by action_id, window_days;
