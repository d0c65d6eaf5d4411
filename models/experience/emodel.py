"""ITU-T G.107 E-model (narrowband), G.107.1 (wideband), and the VoIP monitoring path.

``R = Ro − Is − Id − Ie,eff + A``; MOS-CQE from R by G.107 Annex B. Parameter names are the
G.107 symbols (SLR, RLR, STMR, LSTR, Ds, Dr, TELR, WEPL, T, Tr, Ta, qdu, Ie, Bpl, Ppl, BurstR, Nc,
Nfor, Ps, Pr, A); delays in ms, Ppl in %. Anything not given takes its G.107 Table 3 default.

Entry points
    emodel(...)            full narrowband computation → EModelResult (R, MOS_CQE, intermediates)
    emodel_wb(...)         wideband G.107.1 computation (R on the 0–129 scale)
    r_and_mos(...)         numpy-vectorised R and MOS over the monitoring parameters
    score_call(...)        monitoring path for one measurement: RTT, jitter, loss %, codec
    score_measurements(...) the same, vectorised over arrays
    mos_from_r, mos_from_r_wb, r_from_mos, g109_category

Verification status (tags as in ../shared/standards/STANDARDS.md: [V] checked, [S] secondary or
independent implementations agree, [M] from memory — unverified):

- [V] Narrowband equations and Table 3 defaults: reproduce R = 93.2062 (G.107 §7.7 "93.2") and
  every value of ``standards/emodel/g107_reference.json`` (see tests/models/test_emodel.py).
- [S] STMR special cases of Idte (G.107 eqs 7-23/7-24): for STMR < 9 dB, TERV is replaced by
  TERVs = TERV + Ist/2; for STMR > 20 dB, Idte is replaced by Idtes = √(Idte² + Ist²). Read from
  several independent open-source E-model calculators (bgrewell/loom, JS/Python/Java/Obj-C ones),
  which agree; the ITU text itself was not available. Not exercised by the reference vectors.
- [S] Idte = 0 for T < 1 ms ("echo perceived as sidetone", G.107 §7.4 as cited by loom). Applied
  after the STMR > 20 correction, so sidetone is not counted twice.
- [S] Idd with minimum perceivable delay mT and delay sensitivity sT (newer G.107 editions):
  exponent 6·sT, reducing to the classic curve at sT = 1, mT = 100 ms (the defaults). The
  ``6 − sT`` variant seen in one tool does not reduce to the classic form and is not used.
- [S, not verified against the ITU text] Wideband G.107.1: Ro,WB = 129; Is,WB = 0; Idle as
  narrowband with Ro,WB; TERV,WB = TELR + K − 40·log10((1+T/10)/(1+T/150)) + 6·e^(−0.3T²) with
  K = 0.08·T + 10 (T < 100 ms) else 18; Re,WB = 80 + 3·(TERV,WB − 14); Idd,WB = 1.29·Idd;
  Ie,eff,WB uses the constant 95 (G.107.1 eq. 7-15 per Cor.1 01/2020); MOS from Rx = R/1.29.
  G.107.1 leaves No,WB undefined; Roe for Idte,WB is computed here with the G.107 noise summation
  at Nfor = −96 dBmp (G.107.1 Table 1 default, [S]) — an interpretation, as in bgrewell/loom.
  BurstR is applied on the wideband path too (G.107.1 writes eq. 7-15 for random loss only).
- Codec planning values (CODECS) carry their own source and tag.
"""
# ruff: noqa: N802, N803, N806, N815
# (names follow the G.107 symbols: Ta, Ie_eff, MOS_CQE, ...)

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from cxbridge.platform.errors import UserError


class EModelInputError(UserError, ValueError):
    """A transmission parameter outside its G.107 domain, or a codec without the planning
    values asked for; the message names the parameter or the codec."""


#: G.107 Table 3 default values [V, jointly checked by R = 93.2]; mT and sT per the newer editions.
DEFAULTS = MappingProxyType({
    "SLR": 8.0, "RLR": 2.0, "STMR": 15.0, "LSTR": 18.0, "Ds": 3.0, "Dr": 3.0, "TELR": 65.0,
    "WEPL": 110.0, "T": 0.0, "Tr": 0.0, "Ta": 0.0, "qdu": 1.0, "Ie": 0.0, "Bpl": 4.3, "Ppl": 0.0,
    "BurstR": 1.0, "Nc": -70.0, "Nfor": -64.0, "Ps": 35.0, "Pr": 35.0, "A": 0.0,
    "mT": 100.0, "sT": 1.0,
})
#: G.107.1 Table 1 default of the receive-side noise floor [S]; only Idte,WB uses it (via Roe).
NFOR_WB = -96.0
RO_WB = 129.0
WB_SCALE = 1.29

#: G.109 categories, lower bound inclusive [S]; below 50 G.109 advises against the connection.
G109_CATEGORIES = (
    (90.0, "best", "very satisfied"),
    (80.0, "high", "satisfied"),
    (70.0, "medium", "some users dissatisfied"),
    (60.0, "low", "many users dissatisfied"),
    (50.0, "poor", "nearly all users dissatisfied"),
)
G109_BELOW = ("not recommended", "not recommended")


@dataclass(frozen=True)
class EModelResult:
    """R, MOS-CQE and every intermediate of one E-model computation (G.107 symbols).

    On the wideband path (``wideband=True``) R is on the 0–129 scale, Is = 0 and the narrowband-
    only intermediates (Iolr, Ist, Iq and their helpers) are None.
    """

    wideband: bool
    R: float
    MOS_CQE: float
    # Basic signal-to-noise ratio
    Ro: float
    No: float
    OLR: float
    Nos: float
    Pre: float
    Nor: float
    Nfo: float
    # Simultaneous impairment
    Is: float
    Iolr: float | None
    Xolr: float | None
    Ist: float | None
    STMRo: float | None
    Iq: float | None
    Q: float | None
    G: float | None
    Y: float | None
    Z: float | None
    # Delay impairment
    Id: float
    Idte: float
    Roe: float
    TERV: float
    Re: float
    Idle: float
    Rle: float
    Idd: float
    X: float
    # Equipment impairment and advantage
    Ie: float
    Ie_eff: float
    A: float


# --- the equations, written once for floats and numpy arrays alike --------------------------

def _noise(SLR, RLR, LSTR, Ds, Nc, Nfor, Ps, Pr):
    """G.107 §7.2: OLR, Nos, Pre, Nor, Nfo and the total noise No (dBm0p)."""
    OLR = SLR + RLR
    Nos = Ps - SLR - Ds - 100 + 0.004 * (Ps - OLR - Ds - 14) ** 2
    Pre = Pr + 10 * np.log10(1 + 10 ** ((10 - LSTR) / 10))
    Nor = RLR - 121 + Pre + 0.008 * (Pre - 35) ** 2
    Nfo = Nfor + RLR
    No = 10 * np.log10(10 ** (Nc / 10) + 10 ** (Nos / 10) + 10 ** (Nor / 10) + 10 ** (Nfo / 10))
    return OLR, Nos, Pre, Nor, Nfo, No


def _iolr(OLR, No, RLR):
    Xolr = OLR + 0.2 * (64 + No - RLR)
    return 20 * ((1 + (Xolr / 8) ** 8) ** (1 / 8) - Xolr / 8), Xolr


def _ist(STMR, TELR, T):
    STMRo = -10 * np.log10(10 ** (-STMR / 10) + np.exp(-T / 4) * 10 ** (-TELR / 10))
    Ist = (12 * (1 + ((STMRo - 13) / 6) ** 8) ** (1 / 8)
           - 28 * (1 + ((STMRo + 1) / 19.4) ** 35) ** (1 / 35)
           - 13 * (1 + ((STMRo - 3) / 33) ** 13) ** (1 / 13) + 29)
    return Ist, STMRo


def _iq(Ro, qdu):
    Q = 37 - 15 * np.log10(qdu)
    G = 1.07 + 0.258 * Q + 0.0602 * Q ** 2
    Z = 46 / 30 - G / 40
    Y = (Ro - 100) / 15 + 46 / 8.4 - G / 9
    return 15 * np.log10(1 + 10 ** Y + 10 ** Z), Q, G, Y, Z


def _idte(Roe, TELR, STMR, T, Ist, wideband):
    """Talker echo: G.107 eqs 7-19..7-24 (with the STMR special cases) or G.107.1 7-5..7-10."""
    TERV = TELR - 40 * np.log10((1 + T / 10) / (1 + T / 150)) + 6 * np.exp(-0.3 * T ** 2)
    if wideband:
        TERV = TERV + np.where(T < 100, 0.08 * T + 10, 18.0)
        Re = 80 + 3 * (TERV - 14)
    else:
        TERV = np.where(STMR < 9, TERV + Ist / 2, TERV)  # TERVs
        Re = 80 + 2.5 * (TERV - 14)
    Idte = ((Roe - Re) / 2 + np.sqrt((Roe - Re) ** 2 / 4 + 100) - 1) * (1 - np.exp(-T))
    if not wideband:
        Idte = np.where(STMR > 20, np.sqrt(Idte ** 2 + Ist ** 2), Idte)  # Idtes
    return np.where(T < 1, 0.0, Idte), TERV, Re


def _idle(Ro, WEPL, Tr):
    Rle = 10.5 * (WEPL + 7) * (Tr + 1) ** -0.25
    return (Ro - Rle) / 2 + np.sqrt((Ro - Rle) ** 2 / 4 + 169), Rle


def _idd(Ta, mT, sT):
    """Absolute delay; X is clipped at 0 so Idd is exactly 0 for Ta ≤ mT (no branch needed)."""
    X = np.log2(np.maximum(Ta, mT) / mT)
    e = 6 * sT
    return 25 * ((1 + X ** e) ** (1 / e) - 3 * (1 + (X / 3) ** e) ** (1 / e) + 2), X


def _ie_eff(Ie, Ppl, BurstR, Bpl):
    return Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl)


def _mos(R):
    R = np.asarray(R, dtype=float)
    cubic = 1 + 0.035 * R + R * (R - 60) * (100 - R) * 7e-6
    return np.where(R < 0, 1.0, np.where(R > 100, 4.5, np.maximum(cubic, 1.0)))


def _check(name, value, low=None, high=None, *, low_open=False):
    """Raise :class:`EModelInputError` naming the parameter when any (non-NaN) value is
    outside its domain."""
    v = np.asarray(value, dtype=float)
    bad = np.zeros(v.shape, dtype=bool)
    if low is not None:
        bad |= (v <= low) if low_open else (v < low)
    if high is not None:
        bad |= v > high
    if np.any(bad):
        first = v[bad].flat[0] if v.ndim else float(v)
        bound = f"{'>' if low_open else '≥'} {low}" if high is None else f"in [{low}, {high}]"
        raise EModelInputError(f"E-model parameter {name} must be {bound}; got {first:g} "
                               f"({int(np.count_nonzero(bad))} value(s) out of range)")


def _check_common(Ta, T, Tr, Ppl, BurstR, Bpl, A):
    for name, value in (("Ta", Ta), ("T", T), ("Tr", Tr)):
        _check(name, value, 0.0)
    _check("Ppl", Ppl, 0.0, 100.0)
    _check("BurstR", BurstR, 0.0, low_open=True)
    _check("Bpl", Bpl, 0.0, low_open=True)
    _check("A", A, 0.0, 20.0)


# --- R ↔ MOS and G.109 -----------------------------------------------------------------------

def mos_from_r(R):
    """G.107 Annex B: MOS-CQE from a narrowband R (1 below 0, 4.5 above 100, clamped ≥ 1).

    The cubic dips to 0.989 near R ≈ 3.2; the result is clamped to at least 1. Scalars give a
    float, arrays an ndarray; NaN stays NaN.
    """
    out = _mos(R)
    return float(out) if out.ndim == 0 else out


def mos_from_r_wb(R):
    """G.107.1 Annex A: MOS-CQE from a wideband R (0–129 scale) via Rx = R/1.29 [S]."""
    return mos_from_r(np.asarray(R, dtype=float) / WB_SCALE)


def r_from_mos(MOS):
    """Inverse of the Annex B cubic for 1 ≤ MOS ≤ 4.5 (the root on the increasing branch).

    ``h = atan2(15·√(−903522 + 1113960·M − 202500·M²), 18566 − 6750·M)/3`` and
    ``R = (20/3)·(8 − √226·cos(h + π/3))``.
    """
    M = np.asarray(MOS, dtype=float)
    _check("MOS", M, 1.0, 4.5)
    h = np.arctan2(15 * np.sqrt(-903522 + 1113960 * M - 202500 * M ** 2), 18566 - 6750 * M) / 3
    R = 20 / 3 * (8 - math.sqrt(226) * np.cos(h + math.pi / 3))
    return float(R) if R.ndim == 0 else R


def g109_category(R: float) -> str:
    """G.109 speech-transmission quality category of a narrowband R (lower bounds inclusive)."""
    return g109_row(R)[0]


def g109_row(R: float) -> tuple[str, str]:
    """(category, user satisfaction) of G.109 for a narrowband R."""
    rating = float(R)
    if math.isnan(rating):
        raise ValueError("R is NaN: no G.109 category")
    for low, category, satisfaction in G109_CATEGORIES:
        if rating >= low:
            return category, satisfaction
    return G109_BELOW


# --- scalar computations ---------------------------------------------------------------------

def emodel(*, SLR=8.0, RLR=2.0, STMR=15.0, LSTR=18.0, Ds=3.0, Dr=3.0, TELR=65.0, WEPL=110.0,
           T=0.0, Tr=0.0, Ta=0.0, qdu=1.0, Ie=0.0, Bpl=4.3, Ppl=0.0, BurstR=1.0, Nc=-70.0,
           Nfor=-64.0, Ps=35.0, Pr=35.0, A=0.0, mT=100.0, sT=1.0) -> EModelResult:
    """Full narrowband G.107 computation; defaults are Table 3 (Ta = T = Tr = 0).

    ``Dr`` is accepted for completeness but, as in G.107 §7, enters only through LSTR
    (LSTR = STMR + Dr); pass a consistent LSTR when you change it.
    """
    _check_common(Ta, T, Tr, Ppl, BurstR, Bpl, A)
    _check("qdu", qdu, 1.0)
    _check("sT", sT, 0.0, low_open=True)
    _check("mT", mT, 0.0, low_open=True)
    OLR, Nos, Pre, Nor, Nfo, No = _noise(SLR, RLR, LSTR, Ds, Nc, Nfor, Ps, Pr)
    Ro = 15 - 1.5 * (SLR + No)
    Iolr, Xolr = _iolr(OLR, No, RLR)
    Ist, STMRo = _ist(STMR, TELR, T)
    Iq, Q, G, Y, Z = _iq(Ro, qdu)
    Is = Iolr + Ist + Iq
    Roe = -1.5 * (No - RLR)
    Idte, TERV, Re = _idte(Roe, TELR, STMR, T, Ist, wideband=False)
    Idle, Rle = _idle(Ro, WEPL, Tr)
    Idd, X = _idd(Ta, mT, sT)
    Id = Idte + Idle + Idd
    Ie_eff = _ie_eff(Ie, Ppl, BurstR, Bpl)
    R = Ro - Is - Id - Ie_eff + A
    values = dict(R=R, MOS_CQE=_mos(R), Ro=Ro, No=No, OLR=OLR, Nos=Nos, Pre=Pre, Nor=Nor, Nfo=Nfo,
                  Is=Is, Iolr=Iolr, Xolr=Xolr, Ist=Ist, STMRo=STMRo, Iq=Iq, Q=Q, G=G, Y=Y, Z=Z,
                  Id=Id, Idte=Idte, Roe=Roe, TERV=TERV, Re=Re, Idle=Idle, Rle=Rle, Idd=Idd, X=X,
                  Ie=Ie, Ie_eff=Ie_eff, A=A)
    return EModelResult(wideband=False, **{k: float(v) for k, v in values.items()})


def emodel_wb(*, SLR=8.0, RLR=2.0, LSTR=18.0, Ds=3.0, TELR=65.0, WEPL=110.0, T=0.0, Tr=0.0,
              Ta=0.0, Ie=0.0, Bpl=4.3, Ppl=0.0, BurstR=1.0, Nc=-70.0, Nfor=NFOR_WB, Ps=35.0,
              Pr=35.0, A=0.0, mT=100.0, sT=1.0) -> EModelResult:
    """Wideband G.107.1 computation [S]: R on the 0–129 scale, MOS from R/1.29.

    ``Ie`` and ``Bpl`` are the wideband values Ie,WB and Bpl,WB (G.113 Appendix IV). The noise
    parameters only feed Roe of the talker-echo term (see the module docstring).
    """
    _check_common(Ta, T, Tr, Ppl, BurstR, Bpl, A)
    OLR, Nos, Pre, Nor, Nfo, No = _noise(SLR, RLR, LSTR, Ds, Nc, Nfor, Ps, Pr)
    Roe = -1.5 * (No - RLR)
    Idte, TERV, Re = _idte(Roe, TELR, None, T, None, wideband=True)
    Idle, Rle = _idle(RO_WB, WEPL, Tr)
    Idd, X = _idd(Ta, mT, sT)
    Idd = WB_SCALE * Idd
    Id = Idte + Idle + Idd
    Ie_eff = _ie_eff(Ie, Ppl, BurstR, Bpl)
    R = RO_WB - Id - Ie_eff + A
    values = dict(R=R, MOS_CQE=_mos(R / WB_SCALE), Ro=RO_WB, No=No, OLR=OLR, Nos=Nos, Pre=Pre,
                  Nor=Nor, Nfo=Nfo, Is=0.0, Id=Id, Idte=Idte, Roe=Roe, TERV=TERV, Re=Re,
                  Idle=Idle, Rle=Rle, Idd=Idd, X=X, Ie=Ie, Ie_eff=Ie_eff, A=A)
    return EModelResult(wideband=True, Iolr=None, Xolr=None, Ist=None, STMRo=None, Iq=None,
                        Q=None, G=None, Y=None, Z=None, **{k: float(v) for k, v in values.items()})


# --- vectorised R and MOS ----------------------------------------------------------------------

def r_and_mos(Ta, T=None, Tr=None, Ppl=0.0, BurstR=1.0, Ie=0.0, Bpl=4.3, A=0.0, *,
              wideband=False) -> tuple[np.ndarray, np.ndarray]:
    """R and MOS-CQE for arrays of the parameters that vary in monitoring (others at Table 3).

    Arguments broadcast against each other. ``T`` defaults to ``Ta`` and ``Tr`` to ``2·T`` (a
    symmetric path with the echo reflected at the far end). With ``wideband=True``, ``Ie``/``Bpl``
    are Ie,WB/Bpl,WB and R is on the 0–129 scale. NaN inputs give NaN outputs. Equal to
    ``emodel``/``emodel_wb`` element by element (tested).
    """
    Ta = np.asarray(Ta, dtype=float)
    T = Ta if T is None else np.asarray(T, dtype=float)
    Tr = 2 * T if Tr is None else np.asarray(Tr, dtype=float)
    Ppl, BurstR, Ie, Bpl, A = (np.asarray(v, dtype=float) for v in (Ppl, BurstR, Ie, Bpl, A))
    _check_common(Ta, T, Tr, Ppl, BurstR, Bpl, A)
    d = DEFAULTS
    nfor = NFOR_WB if wideband else d["Nfor"]
    _, _, _, _, _, No = _noise(d["SLR"], d["RLR"], d["LSTR"], d["Ds"], d["Nc"], nfor, d["Ps"],
                               d["Pr"])
    Roe = -1.5 * (No - d["RLR"])
    Idd = _idd(Ta, d["mT"], d["sT"])[0]
    Ie_eff = _ie_eff(Ie, Ppl, BurstR, Bpl)
    if wideband:
        Idte = _idte(Roe, d["TELR"], None, T, None, wideband=True)[0]
        R = RO_WB - (Idte + _idle(RO_WB, d["WEPL"], Tr)[0] + WB_SCALE * Idd) - Ie_eff + A
        return R, _mos(R / WB_SCALE)
    Ro = 15 - 1.5 * (d["SLR"] + No)
    OLR = d["SLR"] + d["RLR"]
    Ist = _ist(d["STMR"], d["TELR"], T)[0]
    Is = _iolr(OLR, No, d["RLR"])[0] + Ist + _iq(Ro, d["qdu"])[0]
    Idte = _idte(Roe, d["TELR"], d["STMR"], T, Ist, wideband=False)[0]
    R = Ro - Is - (Idte + _idle(Ro, d["WEPL"], Tr)[0] + Idd) - Ie_eff + A
    return R, _mos(R)


# --- the monitoring path: measurements and a codec → Ta, effective loss, R, MOS -----------------

@dataclass(frozen=True)
class Codec:
    """Planning values of one codec configuration; ``Ie``/``Bpl`` are Ie,WB/Bpl,WB if wideband.

    ``Bpl`` None means no published value: loss cannot be scored without supplying one.
    """

    name: str
    Ie: float
    Bpl: float | None
    ptime_ms: float
    lookahead_ms: float
    wideband: bool
    source: str


_G113 = "G.113 Appendix I, as collected in STANDARDS.md §1.7"
_G113_WB = ("G.113 (09/2024) App. IV Tab. IV.1 (monotic Ie,WB) and IV.4 (Bpl,WB, published "
            "for diotic listening and random loss only — borrowed here, contexts mixed) "
            "[S, NormB/sipnab]")
#: Codec planning values. Lookahead excludes frame time (frames fill during the ptime wait).
CODECS = MappingProxyType({c.name: c for c in (
    Codec("G.711", 0.0, 4.3, 20.0, 0.0, False, f"{_G113}: Ie [S], Bpl without PLC [M/S]"),
    Codec("G.711+PLC", 0.0, 25.1, 20.0, 0.0, False,
          f"{_G113}: Bpl with G.711 App. I PLC, random loss [S, 4 implementations agree]"),
    Codec("G.729a", 11.0, 19.0, 20.0, 5.0, False,
          f"{_G113}: G.729A + VAD [S]; 5 ms lookahead [M]"),
    Codec("G.729", 10.0, None, 20.0, 5.0, False, f"{_G113}: Ie [S], no Bpl; lookahead [M]"),
    Codec("G.723.1", 15.0, 16.1, 30.0, 7.5, False,
          f"{_G113}: 6.3 kbit/s Ie [S], Bpl with VAD [M]; 7.5 ms lookahead [M]"),
    Codec("AMR-WB", 13.0, 4.3, 20.0, 5.0, True, f"12.65 kbit/s: {_G113_WB}; lookahead [M]"),
    Codec("AMR-WB 23.05", 1.0, 4.6, 20.0, 5.0, True, f"{_G113_WB}; lookahead [M]"),
    Codec("AMR-WB 23.85", 8.0, 4.9, 20.0, 5.0, True, f"{_G113_WB}; lookahead [M]"),
)})
_UNPUBLISHED = MappingProxyType({
    "EVS": "G.113 publishes EVS only as Ie,FB on the G.107.2 full-band scale (SWB mode) and those "
           "values were not retrieved; there is no EVS Ie or Ie,WB",
    "AMR": "AMR-NB has no row in G.113", "AMR-NB": "AMR-NB has no row in G.113",
    "OPUS": "Opus has no ITU planning value (G.113 has no row)",
})


def _key(name: str) -> str:
    return name.upper().replace(" ", "").replace("-", "").replace(".", "").replace("_", "")


def get_codec(codec: str | Codec) -> Codec:
    """The planning values of a codec by name (case, dots, dashes and spaces are ignored)."""
    if isinstance(codec, Codec):
        return codec
    found = {_key(name): c for name, c in CODECS.items()}.get(_key(codec))
    if found is not None:
        return found
    why = {_key(k): v for k, v in _UNPUBLISHED.items()}.get(_key(codec))
    hint = (f"{why}; pass a Codec(...) with Ie and Bpl you can source" if why
            else f"known codecs: {', '.join(CODECS)}")
    raise EModelInputError(f"no E-model planning values for codec {codec!r}: {hint}")


@dataclass(frozen=True)
class MonitoringInputs:
    """E-model inputs derived from measurements (arrays or floats, all in ms or %)."""

    Ta: np.ndarray
    T: np.ndarray
    Tr: np.ndarray
    Ppl: np.ndarray
    jitter_buffer_ms: np.ndarray
    discard_pct: np.ndarray


def monitoring_inputs(rtt_ms, jitter_ms, loss_pct, codec: str | Codec, *, discard_pct=None,
                      jitter_buffer_ms=None, ptime_ms=None, jb_min_ms=40.0,
                      jb_jitter_multiple=3.0) -> MonitoringInputs:
    """Mouth-to-ear delay and effective loss from RTT, jitter (RFC 3550), network loss and codec.

    Choices (all overridable):

    - Jitter-buffer nominal delay ``jb = max(jb_min_ms, jb_jitter_multiple·jitter)`` — the
      max(40 ms, 3·jitter) rule of sipmon [S, STANDARDS.md §1.6] — unless ``jitter_buffer_ms``
      (e.g. RFC 3611 JB nominal) is given.
    - ``Ta = RTT/2 + jb + ptime + lookahead`` (symmetric path; the codec's frames fill during the
      packetization wait, so only the algorithmic lookahead is added on top of ptime), T = Ta,
      Tr = 2·Ta.
    - Late discards, unless measured (``discard_pct``, e.g. the RFC 3611 discard rate): the share
      of packets whose delay variation exceeds the buffer, assuming it is exponential with mean
      equal to the measured jitter: ``100·exp(−jb/jitter)`` (0 when jitter is 0). This is a
      modelling assumption of this module, not a standard.
    - Effective loss counts network losses plus late discards among the packets that arrived:
      ``Ppl = 100·(1 − (1 − loss/100)·(1 − discard/100))`` (G.113/G.1020 practice [S]).
    """
    c = get_codec(codec)
    rtt, jitter, loss = (np.asarray(v, dtype=float) for v in (rtt_ms, jitter_ms, loss_pct))
    _check("rtt_ms", rtt, 0.0)
    _check("jitter_ms", jitter, 0.0)
    _check("loss_pct", loss, 0.0, 100.0)
    jb = (np.maximum(jb_min_ms, jb_jitter_multiple * jitter) if jitter_buffer_ms is None
          else np.asarray(jitter_buffer_ms, dtype=float))
    _check("jitter_buffer_ms", jb, 0.0)
    if discard_pct is None:
        safe = np.where(jitter > 0, jitter, 1.0)
        discard = np.where(jitter > 0, 100 * np.exp(-jb / safe), 0.0)
    else:
        discard = np.asarray(discard_pct, dtype=float)
        _check("discard_pct", discard, 0.0, 100.0)
    ptime = c.ptime_ms if ptime_ms is None else ptime_ms
    Ta = rtt / 2 + jb + ptime + c.lookahead_ms
    Ppl = 100 * (1 - (1 - loss / 100) * (1 - discard / 100))
    return MonitoringInputs(Ta=Ta, T=Ta, Tr=2 * Ta, Ppl=Ppl, jitter_buffer_ms=jb,
                            discard_pct=discard)


def _codec_bpl(c: Codec, Ppl) -> float:
    if c.Bpl is None:
        if np.any(np.asarray(Ppl) > 0):
            raise EModelInputError(f"codec {c.name} has no published Bpl, so loss cannot be "
                                   "scored; pass a Codec(...) with a Bpl you can source")
        return DEFAULTS["Bpl"]  # no effect when Ppl = 0
    return c.Bpl


@dataclass(frozen=True)
class MonitoringResult:
    """One scored measurement: the derived inputs and the full E-model result."""

    codec: Codec
    Ta: float
    T: float
    Tr: float
    Ppl: float
    jitter_buffer_ms: float
    discard_pct: float
    emodel: EModelResult

    @property
    def R(self) -> float:
        return self.emodel.R

    @property
    def MOS_CQE(self) -> float:
        return self.emodel.MOS_CQE


def score_call(rtt_ms: float, jitter_ms: float, loss_pct: float,
               codec: str | Codec = "G.711+PLC", *, BurstR: float = 1.0, A: float = 0.0,
               **choices) -> MonitoringResult:
    """R and MOS-CQE of one measurement (see ``monitoring_inputs`` for ``choices``)."""
    c = get_codec(codec)
    m = monitoring_inputs(rtt_ms, jitter_ms, loss_pct, c, **choices)
    Ta, T, Tr, Ppl = (float(v) for v in (m.Ta, m.T, m.Tr, m.Ppl))
    compute = emodel_wb if c.wideband else emodel
    result = compute(Ta=Ta, T=T, Tr=Tr, Ppl=Ppl, BurstR=BurstR, Ie=c.Ie,
                     Bpl=_codec_bpl(c, Ppl), A=A)
    return MonitoringResult(codec=c, Ta=Ta, T=T, Tr=Tr, Ppl=Ppl,
                            jitter_buffer_ms=float(m.jitter_buffer_ms),
                            discard_pct=float(m.discard_pct), emodel=result)


def score_measurements(rtt_ms, jitter_ms, loss_pct, codec: str | Codec = "G.711+PLC", *,
                       BurstR=1.0, A=0.0, **choices) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised ``score_call``: arrays of measurements of one codec → (R, MOS-CQE) arrays."""
    c = get_codec(codec)
    m = monitoring_inputs(rtt_ms, jitter_ms, loss_pct, c, **choices)
    return r_and_mos(m.Ta, m.T, m.Tr, m.Ppl, BurstR, c.Ie, _codec_bpl(c, m.Ppl), A,
                     wideband=c.wideband)
