-- What the planned-work page shows of the services the work hurts, summed where they are, in
-- one row: the headline figures of models/whatif/planned.py summarise() and the first $rows
-- customers of its notify_list() (the order care calls them: the segments of $first_segments
-- first, in that order, then the rest; each by id: the work hurts every service for all its
-- $minutes), with their services and service types space-separated. Run over
-- planned_rows.sql's rows, read here as `chosen` (queries.OVER), so which rows a choice reads
-- is written once. A service two chosen units take down is in `chosen` twice: each figure
-- counts services (or customers) once. A two-router choice at a million customers hurts
-- 660,000 services: handing them to Python to count took most of the page's second, and
-- grouping each service with every column it carries (planned_services.sql) took 0.4 s of a
-- 0.3 s budget; the services here carry only what is counted of them, and the customers are
-- grouped from the rows on their own.
with services as materialized (
    select service_key, any_value(cfs_type) as cfs_type, any_value(sla_pct) as sla_pct
    from chosen
    group by service_key  -- the service id as an integer (models/whatif/sql/units.sql)
),
customers as materialized (
    select customer_key, any_value(segment) as segment,
           any_value(monthly_charges_eur) as monthly_charges_eur
    from chosen
    group by customer_key  -- the customer id as an integer (units.sql)
),
first_customers as (   -- the first $rows only: a top-N, not a sort of every customer
    select *, case when segment is not null
                   then coalesce(list_position(cast($first_segments as varchar[]), segment) - 1,
                                 len(cast($first_segments as varchar[])))
              end as care_order
    from customers
    order by care_order nulls last, customer_key  -- the key's order is the id's (units.sql)
    limit $rows
),
listed as (
    select row_number() over (order by f.care_order nulls last, f.customer_key) as position,
           any_value(c.customer_id) as customer_id, f.segment, any_value(c.region) as region,
           string_agg(distinct c.service_id, ' ' order by c.service_id) as services,
           string_agg(distinct c.cfs_type, ' ' order by c.cfs_type) as cfs_types
    from first_customers f
    join chosen c using (customer_key)
    group by f.care_order, f.customer_key, f.segment
)
select (select count(*) from services)                                      as services,
       (select count(*) from customers)                                     as customers,
       (select list({'cfs_type': cfs_type, 'services': n} order by cfs_type)
        from (select cfs_type, count(*) as n from services group by cfs_type))
                                                                            as by_cfs_type,
       (select list({'segment': segment, 'customers': n} order by segment)
        from (select segment, count(*) as n from customers group by segment))
                                                                            as by_segment,
       (select count(*) from services where sla_pct is not null)            as sla_services,
       (select count(*) from services   -- more minutes than the month's allowance
        where sla_pct is not null
          and cast($minutes as double) > (1 - sla_pct / 100) * 30 * 24 * 60) as sla_breached,
       (select sum(coalesce(monthly_charges_eur, 0)) from customers)        as monthly_revenue_eur,
       (select count(*) from services) * cast($minutes as double)           as service_minutes,
       (select list({'customer_id': customer_id, 'segment': segment, 'region': region,
                     'services': services, 'cfs_types': cfs_types,
                     'minutes': cast($minutes as double)}
                    order by position)
        from listed)                                                        as notify
