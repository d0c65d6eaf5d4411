-- One row per source × kind of reason held in quarantine (values in the reason replaced by …),
-- with a count and up to $limit example locations.
with held as (
    select
        source,
        regexp_replace(regexp_replace(reason, '''[^'']*''', '''…''', 'g'),
                       '\b\d[\d.:\- ]*\b', '…', 'g')            as reason_kind,
        path,
        line
    from meta.quarantine
),
final as (
    select
        source,
        reason_kind,
        count(*)                                                   as rows,
        string_agg(regexp_extract(path, '[^/]+$') || ':' || line, ', ' order by path, line)
            filter (where rn <= $limit)                            as examples
    from (select *, row_number() over (partition by source, reason_kind order by path, line) as rn
          from held)
    group by source, reason_kind
)
select * from final order by rows desc;
