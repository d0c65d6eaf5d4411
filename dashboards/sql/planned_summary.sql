-- What the planned-work page shows of the services the work hurts, summed where they are, in
-- one row: the headline figures of models/whatif/planned.py summarise() and the first $rows
-- customers of its notify_list() (the order care calls them: the segments of $first_segments
-- first, in that order, then the rest; each by the most minutes, then by id), with their
-- services and service types space-separated. Run over planned_services.sql's rows, read here
-- as `hurt` (queries.OVER declares it, DashboardQueries.sql_over runs it), so which services
-- are hurt is written once. A two-router choice at a million customers hurts 660,000 services:
-- handing them to Python to count took most of the page's second.
with customers as materialized (
    select customer_key, any_value(customer_id) as customer_id,
           any_value(segment) as segment, any_value(region) as region,
           any_value(monthly_charges_eur) as monthly_charges_eur,
           max(impact_minutes) as minutes
    from hurt
    group by customer_key  -- the customer id as an integer (models/whatif/sql/units.sql)
),
first_customers as (   -- the first $rows only: a top-N, not a sort of every customer
    select *, case when segment is not null
                   then coalesce(list_position(cast($first_segments as varchar[]), segment) - 1,
                                 len(cast($first_segments as varchar[])))
              end as care_order
    from customers
    order by care_order nulls last, minutes desc nulls last, customer_id
    limit $rows
),
listed as (
    select row_number() over (order by f.care_order nulls last, f.minutes desc nulls last,
                              f.customer_id) as position,
           f.customer_id, f.segment, f.region,
           string_agg(h.service_id, ' ' order by h.service_id) as services,
           string_agg(distinct h.cfs_type, ' ' order by h.cfs_type) as cfs_types,
           f.minutes
    from first_customers f
    join hurt h using (customer_key)
    group by f.care_order, f.customer_id, f.segment, f.region, f.minutes
)
select (select count(*) from hurt)                                          as services,
       (select count(*) from customers)                                     as customers,
       (select list({'cfs_type': cfs_type, 'services': n} order by cfs_type)
        from (select cfs_type, count(*) as n from hurt group by cfs_type))  as by_cfs_type,
       (select list({'segment': segment, 'customers': n} order by segment)
        from (select segment, count(*) as n from customers group by segment))
                                                                            as by_segment,
       (select count(*) from hurt where sla_pct is not null)                as sla_services,
       (select count(*) from hurt
        where sla_pct is not null and impact_minutes > sla_allowed_minutes) as sla_breached,
       (select sum(coalesce(monthly_charges_eur, 0)) from customers)        as monthly_revenue_eur,
       (select sum(impact_minutes) from hurt)                               as service_minutes,
       (select list({'customer_id': customer_id, 'segment': segment, 'region': region,
                     'services': services, 'cfs_types': cfs_types, 'minutes': minutes}
                    order by position)
        from listed)                                                        as notify
