-- Customers matching a search ($text): an id starting with it, or, when $by_contact (roles
-- allowed to look at personal data), a name or e-mail address containing it or a phone
-- containing its $digits (at least four). Names and phones come back only when $by_contact.
-- At most 12, by id.
select customer_id, segment, region, status,
       case when $by_contact then name end                        as name,
       case when $by_contact then phone end                       as phone
from customers
where upper(customer_id) like upper($text) || '%'
   or ($by_contact and (name ilike '%' || $text || '%' or email ilike '%' || $text || '%'
        or (length($digits) >= 4
            and regexp_replace(phone, '[^0-9]', '', 'g') like '%' || $digits || '%')))
order by customer_id
limit 12
