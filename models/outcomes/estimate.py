"""The effect of a programme, treated against control, with its 95 % interval: pure functions on
frames of followed actions (one row per action and window, see ``sql/action_outcomes.sql``).

Churn is a proportion: its effect is the treated churn rate minus the control's, and its interval
Newcombe's hybrid score interval (method 10 of Newcombe, *Statistics in Medicine* 1998), built
from the Wilson score interval of each rate; it stays inside [-1, 1] and keeps its coverage when
few customers leave, where the textbook Wald interval does not. Tickets, experience and revenue per
customer are means: their effect's interval is Welch's (each group's own variance), normal
approximation; experience over the customers with a scored day in the window (``too few`` by
the same rule, counted on them).

Too few to tell: a group (programme × breakdown value × window) with fewer than
:data:`MIN_PER_ARM` customers followed in either arm gets no effect and no interval, only its
counts and rates and the verdict ``too few to tell``. Otherwise the verdict reads the churn
interval: ``fewer left`` (wholly below 0), ``more left`` (wholly above 0) or ``no clear effect``.

Money kept over the window: the revenue effect per customer times the treated customers, net of
what the treatment cost (the treated rows' ``cost_eur``); control rows cost nothing.
"""

from __future__ import annotations

import polars as pl

Z95 = 1.959963984540054  # the standard normal's 97.5 % quantile
MIN_PER_ARM = 30
BREAKDOWNS = ("segment", "region", "contract_type")
METHOD = ("churn: Newcombe hybrid score interval (Wilson), 95 %; tickets, experience and "
          "revenue: Welch, normal approximation, 95 %")


def wilson_interval(successes: pl.Expr, n: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """The Wilson score interval of a proportion ``successes / n`` (null when ``n`` is 0)."""
    n = n.cast(pl.Float64)
    p = successes.cast(pl.Float64) / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * (p * (1 - p) / n + z * z / (4 * n * n)).sqrt()
    return (centre - half).clip(0.0, 1.0), (centre + half).clip(0.0, 1.0)


def newcombe_interval(x1: pl.Expr, n1: pl.Expr, x2: pl.Expr, n2: pl.Expr, z: float = Z95
                      ) -> tuple[pl.Expr, pl.Expr]:
    """Newcombe's hybrid score interval of ``x1/n1 - x2/n2``."""
    p1 = x1.cast(pl.Float64) / n1.cast(pl.Float64)
    p2 = x2.cast(pl.Float64) / n2.cast(pl.Float64)
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    difference = p1 - p2
    low = difference - ((p1 - l1) ** 2 + (u2 - p2) ** 2).sqrt()
    high = difference + ((u1 - p1) ** 2 + (p2 - l2) ** 2).sqrt()
    return low, high


def _welch(name: str, z: float = Z95, n: str = "customers") -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """The difference of the treated and control means of ``name`` and its interval (columns
    ``treated_<name>_mean``, ``_var``, ``treated_<n>`` and the control's; ``n``: the column
    counting the customers the mean is over)."""
    difference = pl.col(f"treated_{name}_mean") - pl.col(f"control_{name}_mean")
    error = (pl.col(f"treated_{name}_var").fill_null(0) / pl.col(f"treated_{n}")
             + pl.col(f"control_{name}_var").fill_null(0) / pl.col(f"control_{n}")).sqrt()
    return difference, difference - z * error, difference + z * error


def _arm_sums(followed: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per ``keys``, each arm's customers, churners, and the mean and variance of tickets and
    revenue, side by side."""
    aggregated = followed.group_by([*keys, "arm"]).agg(
        customers=pl.len(), churned=pl.col("churned").sum(),
        tickets_mean=pl.col("tickets").mean(), tickets_var=pl.col("tickets").var(),
        experience_mean=pl.col("experience").mean(), experience_var=pl.col("experience").var(),
        experience_n=pl.col("experience").count(),
        revenue_mean=pl.col("revenue_eur").mean(), revenue_var=pl.col("revenue_eur").var(),
        cost_eur=pl.col("cost_eur").sum(),
        first_action_date=pl.col("action_date").min(), last_action_date=pl.col("action_date").max())
    values = [c for c in aggregated.columns if c not in (*keys, "arm")]
    arms = []
    for arm in ("treated", "control"):
        arms.append(aggregated.filter(pl.col("arm") == arm).drop("arm").rename(
            {c: f"{arm}_{c}" for c in values}))
    wide = arms[0].join(arms[1], on=keys, how="full", coalesce=True)
    counts = [f"{a}_{c}" for a in ("treated", "control") for c in ("customers", "churned")]
    return wide.with_columns(pl.col(counts).fill_null(0))


def programme_outcomes(followed: pl.DataFrame, min_per_arm: int = MIN_PER_ARM) -> pl.DataFrame:
    """One row per programme, breakdown (``all``, then each of :data:`BREAKDOWNS` the frame
    has) and its value, and window: both arms' counts and rates, the churn, tickets and revenue
    effects with their 95 % intervals, customers and money kept net of cost, and the verdict.
    ``followed``: one row per action and window (``programme``, ``arm``, ``window_days``,
    ``action_date``, ``churned``, ``tickets``, ``revenue_eur``, ``cost_eur`` and the breakdown
    columns)."""
    keys = ["programme", "breakdown", "group_value", "window_days"]
    parts = [followed.with_columns(breakdown=pl.lit("all"), group_value=pl.lit("all"))]
    parts += [followed.with_columns(breakdown=pl.lit(b), group_value=pl.col(b).cast(pl.String))
              for b in BREAKDOWNS if b in followed.columns]
    if "experience" not in followed.columns:  # no experience scored: no experience effect
        parts = [p.with_columns(experience=pl.lit(None, pl.Float64)) for p in parts]
    wide = _arm_sums(pl.concat([p.select(*keys, "arm", "action_date", "churned", "tickets",
                                         "experience", "revenue_eur", "cost_eur")
                                for p in parts]), keys)
    return _effects(wide, min_per_arm).sort(keys)


def _effects(wide: pl.DataFrame, min_per_arm: int) -> pl.DataFrame:
    enough = ((pl.col("treated_customers") >= min_per_arm)
              & (pl.col("control_customers") >= min_per_arm))
    # a group with no customer has no rate (null, not NaN)
    treated_rate = pl.when(pl.col("treated_customers") > 0).then(
        pl.col("treated_churned") / pl.col("treated_customers"))
    control_rate = pl.when(pl.col("control_customers") > 0).then(
        pl.col("control_churned") / pl.col("control_customers"))
    low, high = newcombe_interval(pl.col("treated_churned"), pl.col("treated_customers"),
                                  pl.col("control_churned"), pl.col("control_customers"))
    tickets, tickets_low, tickets_high = _welch("tickets")
    revenue, revenue_low, revenue_high = _welch("revenue")
    experience, experience_low, experience_high = _welch("experience", n="experience_n")
    experienced = ((pl.col("treated_experience_n") >= min_per_arm)
                   & (pl.col("control_experience_n") >= min_per_arm))
    cost = pl.col("treated_cost_eur").fill_null(0.0)
    n = pl.col("treated_customers")

    def told(expr: pl.Expr) -> pl.Expr:
        return pl.when(enough).then(expr).otherwise(None)

    frame = wide.with_columns(
        treated_churn_rate=treated_rate, control_churn_rate=control_rate,
        churn_effect=told(treated_rate - control_rate), churn_effect_low=told(low),
        churn_effect_high=told(high),
        tickets_effect=told(tickets), tickets_effect_low=told(tickets_low),
        tickets_effect_high=told(tickets_high),
        experience_effect=pl.when(experienced).then(experience),
        experience_effect_low=pl.when(experienced).then(experience_low),
        experience_effect_high=pl.when(experienced).then(experience_high),
        cost_eur=cost,
        revenue_kept_eur=told(revenue * n), revenue_kept_low_eur=told(revenue_low * n),
        revenue_kept_high_eur=told(revenue_high * n),
        first_action_date=pl.min_horizontal("treated_first_action_date",
                                            "control_first_action_date"),
        last_action_date=pl.max_horizontal("treated_last_action_date",
                                           "control_last_action_date"),
    ).with_columns(
        customers_kept=-pl.col("churn_effect") * n,
        net_kept_eur=pl.col("revenue_kept_eur") - pl.col("cost_eur"),
        net_kept_low_eur=pl.col("revenue_kept_low_eur") - pl.col("cost_eur"),
        net_kept_high_eur=pl.col("revenue_kept_high_eur") - pl.col("cost_eur"),
        verdict=pl.when(~enough).then(pl.lit("too few to tell"))
        .when(pl.col("churn_effect_high") < 0).then(pl.lit("fewer left"))
        .when(pl.col("churn_effect_low") > 0).then(pl.lit("more left"))
        .otherwise(pl.lit("no clear effect")),
        method=pl.lit(METHOD),
    )
    return frame.select(
        "programme", "breakdown", "group_value", "window_days", "first_action_date",
        "last_action_date", "treated_customers", "control_customers", "treated_churned",
        "control_churned", "treated_churn_rate", "control_churn_rate", "churn_effect",
        "churn_effect_low", "churn_effect_high", "verdict", "customers_kept",
        pl.col("treated_tickets_mean").alias("treated_tickets_per_customer"),
        pl.col("control_tickets_mean").alias("control_tickets_per_customer"),
        "tickets_effect", "tickets_effect_low", "tickets_effect_high",
        pl.col("treated_experience_mean").alias("treated_experience"),
        pl.col("control_experience_mean").alias("control_experience"),
        "experience_effect", "experience_effect_low", "experience_effect_high",
        pl.col("treated_revenue_mean").alias("treated_revenue_per_customer_eur"),
        pl.col("control_revenue_mean").alias("control_revenue_per_customer_eur"),
        "revenue_kept_eur", "revenue_kept_low_eur", "revenue_kept_high_eur", "cost_eur",
        "net_kept_eur", "net_kept_low_eur", "net_kept_high_eur", "method")
