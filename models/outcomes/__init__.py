"""Measured outcomes: what each recorded programme of offers and care contacts changed, treated
against its randomly held-out control group.

- :mod:`.estimate`: pure functions: the 95 % interval of a difference of two proportions
  (Newcombe's hybrid score interval, from two Wilson intervals) and of two means (Welch's, normal
  approximation), and the table of effects per programme, breakdown and window;
- :mod:`.build`: the job's step: ``core.actions`` (actions joined to customers and to when they
  left), ``core.action_outcomes`` (each action followed 30/60/90 days) and
  ``marts.programme_outcomes``.
"""

from cxbridge.models.outcomes.build import build, observed_until
from cxbridge.models.outcomes.estimate import (
    MIN_PER_ARM,
    newcombe_interval,
    programme_outcomes,
    wilson_interval,
)

__all__ = ["MIN_PER_ARM", "build", "newcombe_interval", "observed_until", "programme_outcomes",
           "wilson_interval"]
