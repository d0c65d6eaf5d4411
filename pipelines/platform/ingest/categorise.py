"""Categorise a care ticket or complaint from its free text: text in, category out, with the
rule and the words that decided it.

Categories and their families (``network`` / ``billing`` / ``service`` / ``other``), for the
complaints of a real operator (:data:`COMPLAINT_CATEGORIES`) and for the categories the
generated world's tickets carry (:data:`FAMILY`), so that both read the same by family:

* **network** — ``no_service`` (down, outage, "no internet", "not working"),
  ``intermittent_connection`` (drops, "in and out", unreliable, repeated *outages*),
  ``slow_speed`` (slow, speeds, Mbit/s, throttling, buffering), ``network_problem`` (a
  technical problem the text does not specify: "connection issues", "terrible internet");
* **billing** — ``data_cap`` (data caps, usage meters, overage charges) and ``billing``
  (bills, charges, fees, prices, refunds, contracts, promotions);
* **service** — ``customer_service`` (representatives, support, technicians, installation,
  cancelling or moving an account);
* **other** — ``other`` (e-mail, blocked content, availability, monopoly and the like) and
  ``unspecified`` (the text names only the company or the product: "Comcast",
  "Comcast Internet", "Xfinity", "poor service").

Decisions, kept here because they change counts:

* **Throttling is network, a data cap is billing.** "Throttling" says the speed is too low:
  ``slow_speed``. A data cap, a usage meter or an overage is a commercial policy charged on
  the bill: ``data_cap``, in the billing family. "Bandwidth caps" is a cap, not a speed.
* **Network wins.** A text naming problems of several families counts in the network family
  if one of them is a network problem ("Internet speeds and billing errors" → ``slow_speed``),
  else billing over service over other: operations should see every network complaint.
* **But a network word inside a billing request stays billing.** "Credit for service outage"
  asks for money (``billing``); "service disconnected for non-payment" is ``billing``.
* **Product names are not problems.** "High speed internet" is a product: no speed evidence.
* **Negations** matter only where they flip the meaning: "no internet" and "not working" are
  outages; "speed is fine" is no speed complaint.

How the rules were tuned and how well they agree with a person's labels:
``tests/data/complaints_labels.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

NETWORK, BILLING, SERVICE, OTHER = "network", "billing", "service", "other"
FAMILIES: tuple[str, ...] = (NETWORK, BILLING, SERVICE, OTHER)

COMPLAINT_CATEGORIES: dict[str, str] = {
    "no_service": NETWORK, "intermittent_connection": NETWORK, "slow_speed": NETWORK,
    "network_problem": NETWORK, "data_cap": BILLING, "billing": BILLING,
    "customer_service": SERVICE, "other": OTHER, "unspecified": OTHER,
}
# Every category a ticket can carry: the categoriser's and the generated world's
# (pipelines/lab/generate/care.py). models/service/sql/marts/tickets.sql maps them the same way.
FAMILY: dict[str, str] = {
    **COMPLAINT_CATEGORIES,
    "no_mobile_service": NETWORK, "tv_no_signal": NETWORK, "slow_mobile_data": NETWORK,
    "call_drops": NETWORK, "tv_freezing": NETWORK, "vpn_performance": NETWORK,
    "plan_change": BILLING,
    "relocation": SERVICE, "equipment": SERVICE, "home_network": SERVICE, "follow_up": SERVICE,
}


def family_of(category: str | None) -> str:
    """The family of a category; an unknown or missing one is ``other``."""
    return FAMILY.get(category or "", OTHER)


@dataclass(frozen=True)
class Rule:
    """Words that, where they occur, say ``category`` (None: words to set aside unread)."""

    name: str
    category: str | None
    pattern: str


# In the order they read the text: each rule's matches are set aside before the next rule
# reads, so the specific phrases come first ("bandwidth cap" before "bandwidth").
RULES: tuple[Rule, ...] = (
    Rule("product name", None, r"high[- ]?speed (internet|broadband|data)"),
    Rule("problem denied", None,
         r"(speeds?|internet|service|connection)s? (is|are|was|were|has been) "
         r"(fine|ok|okay|good|great|working)|not slow"),
    Rule("credit for an outage", "billing",
         r"(credit|refund|reimburse\w*|compensat\w*|charg\w*|bill\w*)\b[^.;]{0,40}?"
         r"\b(for|during|after)\b[^.;]{0,30}?\b(outages?|down ?time|no service|interruptions?)"),
    Rule("disconnected for payment", "billing",
         r"(payment|non-?payment|due date|past due|unpaid|bill)\w*\b[^.;]{0,40}?"
         r"\b(disconnect|shut off|cut off|turned off)\w*"
         r"|(disconnect|shut off|cut off|turned off)\w*\b[^.;]{0,40}?"
         r"\b(payment|non-?payment|due date|past due|unpaid|bill)"),
    Rule("account closed", "customer_service",
         r"(disconnect\w*|clos\w*|cancel\w*|terminat\w*) (my |our |the )?account"
         r"|(won'?t|will not|refus\w*( to)?|unable to|not allow\w* (me |us )?to|delay\w* in)"
         r" (let (me |us )?)?cancel\w*(\s+[\w'-]+){0,3}"),
    Rule("data cap", "data_cap",
         r"data ?(usage|use|caps?|limits?|allowance|policy|plan|meter|billing|charges?)"
         r"|usage[- ]?(caps?|meter|based|charges?|limits?)"
         r"|\b(soft |hard |bandwidth |broadband |internet |usage |data )?caps?\b"
         r"|\boverages?\b|\b\d+ ?(gb|tb)\b|\busage\b"),
    Rule("no service", "no_service",
         r"\bno (internet|service|cable|tv|phone|connection|signal|dial ?tone|on demand"
         r"|broadband|connectivity|internet access|network)"
         r"|not working|non[- ]?working|doesn'?t work|isn'?t working|stopped working"
         r"|(internet|service|cable|connection|network|tv|phone|broadband|modem)\s+"
         r"(is |was |has been |went |goes |keeps going )?(down|out|dead)\b"
         r"|\boutage\b|\bdown (since|for|again)|(loss|lost) (of )?(internet|service|connection"
         r"|signal)|(cannot|can'?t|unable to) (connect|get online|access (the )?internet)"
         r"|without (internet|service|cable|phone)|disrupted|lack of service|\bdead\b"),
    Rule("intermittent", "intermittent_connection",
         r"intermitt?[ae]nt\w*|keeps? (dropping|disconnecting|going (out|down)|cutting)"
         r"|\bdrop(s|ping|ped)?\b|disconnects|disconnections|in and out|on and off"
         r"|unreliab\w*|reliab\w*|spotty|unstable|inconsistent|consistent (speed|connect)\w*"
         r"|interruptions?|\boutages\b|flaky|cutting out|reconnect\w*"),
    Rule("speed", "slow_speed",
         r"speeds?\b|speed\w*|\bslow\w*|throttl\w*|bandwidth|\bmbps\b|\bmb/s\b|\bmbit\w*"
         r"|latency|\blag\w*|\bping\b|buffer\w*|freez\w*|pixelat\w*"
         r"|crawl\w*|packet loss|won'?t load"),
    Rule("network problem", "network_problem",
         r"(internet|connection|connectivity|cable|tv|phone|wi-?fi|network|modem|router)"
         r"\s+(issues?|problems?|trouble|quality|failures?)|access (issues?|problems?)|degraded"
         r"|connectivity|(fix|repair)\w* (my |the |our )?(internet|connection)"
         r"|(terrible|horrible|poor|bad|low|awful|lousy)\s+(internet|connection|reception)"),
    Rule("billing", "billing",
         r"\w*bill\w*|charg\w*|pric\w*|\bfees?\b|refund\w*|credit\w*|payment|\bpa(y|id|ying)\b"
         r"|debit|\brates?\b|promo\w*|discount\w*|contract\w*|deposit\w*|\bcosts?\b"
         r"|bait|cramming|\$\d|ripped off|quot(e|ed)\b|\bsales?\b|\bsold\b|\boffers?\b"
         r"|\bplans?\b|package pric\w*|pricing|agreement|honou?r\w*|upgrade\w*|downgrad\w*"
         r"|collection\w*|expensive|overpriced|\brent(al|ed|ing)?\b"),
    Rule("customer service", "customer_service",
         r"customer (service|care|support)|support|suport|\brep(s|resentatives?)?\b|agents?"
         r"|techn?i\w*|\btech\b|appointment\w*|install\w*|set ?up|no[- ]?show|escalat\w*"
         r"|supervisor\w*|respon(d|se|sive)\w*|\bwait\w*|\bon hold\b|rude|cancel\w*"
         r"|transfer\w*|\bmov(e|ed|ing)\b|relocat\w*|new (address|location)|\border\w*"
         r"|assistance|call ?back|communication|ignor\w*|case ?#|racis\w*"
         r"|discriminat\w*|\bchat\b|change (my |our )?service|disorgani[sz]ed|follow(ing)? up"
         r"|still not fixed"),
    Rule("other topic", "other",
         r"e-?mail|privacy|block(s|ing|ed)?\b|neutrality|monopol\w*|merger|bull(y|ying|ied)"
         r"|bulling|harass\w*|hotspot|wi-?fi access|calls from|tethering|modems?\b|equipment"
         r"|availab\w*|neighbou?rhood|(won'?t|will not|not) (service|serve) (my|our)"),
)
_COMPILED = tuple((rule, re.compile(rule.pattern)) for rule in RULES)
_FAMILY_ORDER = {NETWORK: 0, BILLING: 1, SERVICE: 2, OTHER: 3}
_CATEGORY_ORDER = {"billing": 1, "network_problem": 1}  # after the rest of their family


@dataclass(frozen=True)
class Categorised:
    """What the text is about, and why: the rule and the words it matched (None: no rule
    matched, so ``unspecified``)."""

    category: str
    family: str
    rule: str | None
    evidence: str | None


def categorise(text: str | None) -> Categorised:
    """The category of one complaint or ticket text (see the module for the decisions)."""
    remaining = _normalise(text)
    hits: list[tuple[tuple[int, int, int], Rule, str]] = []
    for rule, pattern in _COMPILED:
        for match in pattern.finditer(remaining):
            if rule.category is not None:
                family = FAMILY[rule.category]
                rank = (_FAMILY_ORDER[family], _CATEGORY_ORDER.get(rule.category, 0),
                        match.start())
                hits.append((rank, rule, match.group(0)))
        # set aside with a word character, so no new word boundary appears ("data capping"
        # leaves no "ping")
        remaining = pattern.sub(lambda m: "_" * len(m.group(0)), remaining)
    if not hits:
        return Categorised("unspecified", OTHER, None, None)
    _, rule, words = min(hits, key=lambda hit: hit[0])
    return Categorised(rule.category, FAMILY[rule.category], rule.name, words.strip("_ "))


def _normalise(text: str | None) -> str:
    """Lower case, straight apostrophes, single spaces."""
    lowered = (text or "").lower().replace("\u2019", "'")
    return re.sub(r"\s+", " ", lowered).strip()


def categorise_texts(texts: pl.Series) -> pl.Series:
    """The category of every text of ``texts`` (each distinct text categorised once; a
    missing text is ``unspecified``), named ``category``."""
    distinct = texts.unique().drop_nulls().to_list()
    categories = {text: categorise(text).category for text in distinct}
    return (texts.replace_strict(categories, default="unspecified", return_dtype=pl.String)
            .alias("category"))
