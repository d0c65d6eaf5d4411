-- One row per source × kind of reason held in quarantine (the kind: the reason with its values
-- replaced by …), with a count and up to $limit distinct examples, each with its own values:
-- the examples differ in reason first (other values), then in file, then in line; a line that
-- gave several quarantined records (a service and its bindings) is one example.
with held as (
    select
        source,
        regexp_replace(regexp_replace(reason, '''[^'']*''', '''…''', 'g'),
                       '-?\b\d[\d.:\- ]*\b', '…', 'g')            as reason_kind,
        reason,
        -- what the kind replaced by …, in order: the row's own values
        list_transform(regexp_extract_all(reason, '''[^'']*''|-?\b\d[\d.:\- ]*\b'),
                       lambda v: trim(v))                              as reason_values,
        original,
        path,
        line
    from meta.quarantine
),
counted as (
    select source, reason_kind, count(*) as rows
    from held
    group by source, reason_kind
),
distinct_rows as (
    select distinct on (source, reason_kind, reason, path, line)
        source, reason_kind, reason, reason_values, original, path, line
    from held
),
ranked as (
    select
        *,
        row_number() over (partition by source, reason_kind, reason order by path, line)
            as nth_of_reason,
        row_number() over (partition by source, reason_kind, path order by line)
            as nth_in_file
    from distinct_rows
),
picked as (
    select
        *,
        row_number() over (partition by source, reason_kind
                           order by nth_of_reason, nth_in_file, path, line) as rn
    from ranked
),
final as (
    select
        c.source,
        c.reason_kind,
        c.rows,
        list(struct_pack(file := regexp_extract(p.path, '[^/]+$'), line := p.line,
                         reason := p.reason, reason_values := p.reason_values,
                         original := p.original) order by p.rn) as examples
    from counted c
    join picked p on p.source = c.source and p.reason_kind = c.reason_kind and p.rn <= $limit
    group by c.source, c.reason_kind, c.rows
)
select * from final order by rows desc, source, reason_kind;
