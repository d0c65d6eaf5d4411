-- Every customer's contact details and marketing consent, for the campaign export and the
-- campaign's consent counts (personal data: read for the roles dashboards/roles.py allows and
-- kept in the server's cache, never sent unless allowed). Unknown consent (null) stays null:
-- the export reads it as no. A snapshot from before the consent columns lacks them: COLUMNS
-- picks the ones present, and the reader adds the others as unknown.
select columns('^(customer_id|name|email|phone|marketing_opt_in|consent_(email|sms|phone)|'
               || 'preferred_(language|channel))$')
from customers
