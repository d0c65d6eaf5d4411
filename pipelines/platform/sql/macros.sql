-- Definitions several models share, created on every warehouse connection
-- (pipelines/platform/warehouse.py). Temporary: they live with the connection, so a warehouse built by
-- any earlier version has them too.

-- network_ticket(category): whether a care ticket is a complaint about the network service
-- (no service, slow, drops, TV signal, VPN performance, a technical problem a complaint does
-- not specify: models/care/categorise.py), as opposed to billing, moves and the
-- like. The marts' network tickets (marts/customer_daily.sql) and the churn features
-- (churn/features.sql) count the same ones.
create or replace temp macro network_ticket(category) as
    coalesce(category in ('no_service', 'no_mobile_service', 'slow_speed', 'slow_mobile_data',
                          'intermittent_connection', 'call_drops', 'tv_no_signal',
                          'tv_freezing', 'vpn_performance', 'network_problem'), false);
