-- Every customer's contact details (personal data: read only for the roles and places
-- dashboards/roles.py allows, and kept in the server's cache, never sent unless allowed).
select customer_id, name, email, phone
from customers
