"""What if: projections of what has not happened yet, from the same service model.

* :mod:`cxbridge.models.whatif.planned`: planned work on some resources during a window: the
  services, customers, enterprise SLAs and revenue it hurts (the incident-impact rules, the
  macro ``services_hurt``), the least-harm window over the next 14 days and the customers to
  notify; :func:`~cxbridge.models.whatif.planned.build` precomputes what the dashboard looks up.
* :mod:`cxbridge.models.whatif.campaign`: a campaign's extra busy-hour load on every cell and
  PON port serving its targets (through the marts' traffic shares, with take-up and uplift
  learned from past campaigns), the resources it would congest, a verdict per region and a
  phased target list; :func:`~cxbridge.models.whatif.campaign.build` precomputes the load rows.

Its SQL is in ``models/whatif/sql/``.
"""
