-- core.cfs_cell_shares: one row per mobile CFS × cell that serves it, with the cell's usual
-- share of the service's traffic (Σ volume on the cell ÷ Σ volume, over the whole usage feed).
-- A service with no usage yet shares equally between the cells its radio access lists.
create or replace table core.cfs_cell_shares as
with listed as (
    select service_id, resource_id as cell_id,
           1.0 / count(*) over (partition by service_id) as equal_share
    from core.cfs_access
    where resource_type = 'cell'
),
used as (
    select service_id, cell_id,
           sum(coalesce(data_volume_mb, 0) + coalesce(voice_minutes, 0)) as volume
    from stg.usage
    where cell_id is not null
    group by all
),
measured as (
    select service_id, cell_id, volume / nullif(sum(volume) over (partition by service_id), 0)
               as share
    from used
),
final as (
    select service_id, cell_id, share from measured where share is not null
    union all
    select l.service_id, l.cell_id, l.equal_share
    from listed l
    anti join (select distinct service_id from measured where share is not null) m
      on m.service_id = l.service_id
)
select * from final
order by service_id, cell_id;
