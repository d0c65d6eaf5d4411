-- model: marts.ticket_phrases
-- kind: whole
-- grain: date, family, category, region, segment, phrase
-- not_null: date, family, phrase
-- inputs: marts.tickets
-- feeds: tickets|complaints
-- marts.ticket_phrases: one row per UTC day × family × category × region × segment × phrase:
-- how many tickets' descriptions hold the phrase (a ticket counts once per phrase). A phrase is
-- two consecutive words of the description once lower-cased, with digits and punctuation, the
-- operator's brand names and a few function words set aside, plurals read as singulars
-- ("Comcast Internet Speeds" → "internet speed"); a description of one such word is that word.
-- "no" and "not" are kept: "no internet" is what a customer says. Read only as counts over many
-- tickets (the dashboard shows a phrase only when several tickets share it, dashboards/roles.py).
create schema if not exists marts;

create or replace table marts.ticket_phrases as
with split as (
    select ticket_id, cast(created_at as date) as date, family, category, region, segment,
           string_split_regex(
               trim(regexp_replace(lower(coalesce(description, '')), '[^a-z]+', ' ', 'g')),
               ' +')                                                    as words
    from marts.tickets
),

words as (
    select ticket_id, date, family, category, region, segment,
           -- plurals as singulars ("speeds" → "speed"), but not "access" or "status"
           list_transform(list_filter(words, lambda w: length(w) >= 2 and not list_contains([
               'comcast', 'comcasts', 'xfinity', 'comcst', 'comcat', 'cocmast', 'the', 'an',
               'and', 'or', 'of', 'to', 'for', 'my', 'our', 'is', 'are', 'was', 'were', 'be',
               'been', 'has', 'have', 'had', 'with', 'from', 'on', 'in', 'at', 'by', 'me', 'we',
               'us', 'it', 'its', 'this', 'that', 'as', 'about', 're', 'since', 'ago', 'last',
               'early', 'around', 'pm', 'am', 'again', 'very', 'all', 'so', 'but', 'can', 'won',
               'don', 'doesn', 'isn', 'didn', 'ive', 'im', 'they', 'their', 'them', 'you',
               'your', 'he', 'she', 'his', 'her', 'will', 'would', 'just', 'always', 'morning',
               'afternoon', 'evening', 'evenings', 'night', 'lunchtime', 'yesterday', 'today',
               'hour', 'hours', 'minute', 'minutes', 'second', 'seconds', 'after', 'few', 'even',
               'every', 'when', 'what', 'there', 'here', 'any', 'some', 'then', 'than', 'also',
               'now', 'one', 'two'], w)),
               lambda w: regexp_replace(w, '^([a-z]{2,}[^su])s$', '\1'))   as tokens
    from split
),

phrases as (
    select ticket_id, date, family, category, region, segment,
           unnest(list_distinct(
               case when array_length(tokens) = 1 then tokens
                    else list_transform(range(1, array_length(tokens)),
                                        lambda i: tokens[i] || ' ' || tokens[i + 1])
               end))                                                    as phrase
    from words
    where array_length(tokens) >= 1
),

final as (
    select date, family, category, region, segment, phrase,
           count(distinct ticket_id)                                    as tickets
    from phrases
    group by all
)

select * from final
order by date, family, category, region, segment, phrase;
