"""The E-model against the G.107 reference values; special cases, vectorised path, the CLI."""
# ruff: noqa: SIM300  (G.107 symbols such as R and TERV look like constants to this rule)

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.models.experience import emodel as em

REFERENCE = (Path(__file__).resolve().parents[2].parent / "shared" / "standards" / "emodel"
             / "g107_reference.json")
ABSENT = f"E-model reference values not found at {REFERENCE} (../shared is absent)"
TOL = 1e-4


def _reference() -> dict | None:
    return json.loads(REFERENCE.read_text(encoding="utf-8")) if REFERENCE.is_file() else None


def _full_model_values():
    ref = _reference()
    if ref is None:
        return [pytest.param(None, None, None, None, marks=pytest.mark.skip(reason=ABSENT))]
    return [pytest.param(case["case"], case["inputs"], key, value, id=f"{case['case']}:{key}")
            for case in ref["full_model_vectors"]
            for key, value in case.items() if key not in ("case", "inputs")]


def _mos_points(table: str):
    ref = _reference()
    if ref is None:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=ABSENT))]
    return [pytest.param(float(r), mos, id=f"R={r}")
            for r, mos in ref["r_to_mos_reference_points"][table].items()]


@pytest.mark.parametrize(("case", "inputs", "key", "expected"), _full_model_values())
def test_every_reference_value_is_reproduced(case, inputs, key, expected):
    result = em.emodel(**inputs)
    assert getattr(result, key) == pytest.approx(expected, abs=TOL), case


@pytest.mark.parametrize(("r", "expected"), _mos_points("R"))
def test_r_to_mos_reference_points(r, expected):
    assert em.mos_from_r(r) == pytest.approx(expected, abs=TOL)


@pytest.mark.parametrize(("r", "expected"), _mos_points("table_B1_rounded"))
def test_r_to_mos_agrees_with_the_rounded_g109_table(r, expected):
    # Published to two decimals; at R = 80 the table says 4.03 where the formula gives 4.024.
    assert em.mos_from_r(r) == pytest.approx(expected, abs=0.0065)


def test_defaults_give_the_g107_r_of_93_2():
    assert round(em.emodel().R, 1) == 93.2
    assert em.emodel().Is == pytest.approx(em.emodel().Iolr + em.emodel().Ist + em.emodel().Iq)


def test_mos_mapping_clamps_and_never_decreases():
    assert em.mos_from_r(-20) == 1.0
    assert em.mos_from_r(3.2) == 1.0  # the raw cubic dips to 0.989 here
    assert em.mos_from_r(100) == pytest.approx(4.5)
    assert em.mos_from_r(140) == 4.5
    assert np.all(np.diff(em.mos_from_r(np.linspace(6.6, 130, 500))) >= 0)


def test_mos_round_trip():
    r = np.linspace(7, 100, 200)
    assert em.r_from_mos(em.mos_from_r(r)) == pytest.approx(r, abs=1e-9)
    mos = np.linspace(1.0, 4.5, 200)
    assert em.mos_from_r(em.r_from_mos(mos)) == pytest.approx(mos, abs=1e-9)
    with pytest.raises(ValueError, match="MOS"):
        em.r_from_mos(4.6)


@pytest.mark.parametrize(("r", "category"), [
    (100.0, "best"), (90.0, "best"), (89.999, "high"), (80.0, "high"), (79.999, "medium"),
    (70.0, "medium"), (69.999, "low"), (60.0, "low"), (59.999, "poor"), (50.0, "poor"),
    (49.999, "not recommended"), (-5.0, "not recommended"),
])
def test_g109_category_boundaries(r, category):
    assert em.g109_category(r) == category


def _raw_idte(result: em.EModelResult, t: float) -> float:
    d = result.Roe - result.Re
    return (d / 2 + math.sqrt(d * d / 4 + 100) - 1) * (1 - math.exp(-t))


def test_stmr_below_9_uses_terv_plus_half_ist():
    below, at = em.emodel(STMR=8.999, T=50), em.emodel(STMR=9.0, T=50)
    plain_terv = 65 - 40 * math.log10((1 + 5) / (1 + 50 / 150))
    assert at.TERV == pytest.approx(plain_terv)
    assert below.TERV == pytest.approx(plain_terv + below.Ist / 2)
    assert below.Idte == pytest.approx(_raw_idte(below, 50))


def test_stmr_above_20_combines_idte_and_ist():
    above = em.emodel(STMR=20.5, T=50)
    assert above.Idte == pytest.approx(math.hypot(_raw_idte(above, 50), above.Ist))
    at_20 = em.emodel(STMR=20.0, T=50)
    assert at_20.Idte == pytest.approx(_raw_idte(at_20, 50)) and above.Idte > at_20.Idte


def test_talker_echo_below_one_ms_is_sidetone():
    assert em.emodel(T=0.9).Idte == 0.0
    assert em.emodel(STMR=25, T=0.5).Idte == 0.0
    assert em.emodel(T=1.0).Idte != 0.0


def test_absolute_delay_is_zero_up_to_mt_then_grows():
    assert em.emodel(Ta=100).Idd == 0.0
    idd = [em.emodel(Ta=ta).Idd for ta in (120, 200, 300, 400)]
    assert all(b > a > 0 for a, b in zip(idd, idd[1:], strict=False))
    # Classic form at X = 1 (Ta = 2·mT): 25·(2^(1/6) − 3·(1 + 3^-6)^(1/6) + 2)
    assert em.emodel(Ta=200).Idd == pytest.approx(25 * (2 ** (1 / 6) - 3 * (1 + 3 ** -6) ** (1 / 6)
                                                        + 2))
    assert em.emodel(Ta=240, mT=120).Idd == pytest.approx(em.emodel(Ta=200).Idd)


def test_loss_and_burstiness_lower_r():
    random_loss = em.emodel(Ppl=2, Bpl=25.1)
    bursty = em.emodel(Ppl=2, Bpl=25.1, BurstR=2)
    assert em.emodel().R > random_loss.R > bursty.R
    assert random_loss.Ie_eff == pytest.approx(95 * 2 / (2 + 25.1))


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="Ppl"):
        em.emodel(Ppl=120)
    with pytest.raises(ValueError, match="Bpl"):
        em.emodel(Bpl=0)
    with pytest.raises(ValueError, match="Ta"):
        em.r_and_mos([10, -1])


def test_wideband_clean_channel_and_mapping():
    clean = em.emodel_wb()
    assert clean.R == pytest.approx(128.846315, abs=TOL)   # STANDARDS.md §1.8
    assert clean.MOS_CQE == pytest.approx(4.499152, abs=TOL)
    assert em.mos_from_r_wb(116) == pytest.approx(4.3371, abs=TOL)
    # NormB/sipnab vector: AMR-WB 12.65 diotic (Ie,WB 20, Bpl,WB 4.3) at 2 % random loss.
    lossy = em.emodel_wb(Ie=20, Bpl=4.3, Ppl=2)
    assert lossy.Ie_eff == pytest.approx(43.8095, abs=TOL)
    assert em.mos_from_r_wb(129 - lossy.Ie_eff) == pytest.approx(3.4062, abs=TOL)


def test_wideband_delay_terms():
    assert em.emodel_wb(Ta=250).Idd == pytest.approx(1.29 * em.emodel(Ta=250).Idd)
    # K = 0.08·T + 10 meets K = 18 at T = 100 ms: Idte,WB is continuous there.
    assert em.emodel_wb(T=99.999).Idte == pytest.approx(em.emodel_wb(T=100).Idte, abs=1e-3)
    assert em.emodel_wb(T=100).TERV == pytest.approx(em.emodel(T=100).TERV + 18)
    assert em.emodel_wb(T=50).TERV == pytest.approx(em.emodel(T=50).TERV + 0.08 * 50 + 10)


def _grid(n: int = 300):
    rng = np.random.default_rng(7)
    return dict(Ta=rng.uniform(0, 500, n), T=rng.uniform(0, 500, n), Tr=rng.uniform(0, 1000, n),
                Ppl=rng.uniform(0, 20, n), BurstR=rng.uniform(1, 4, n), Ie=rng.uniform(0, 40, n),
                Bpl=rng.uniform(1, 30, n), A=rng.uniform(0, 20, n))


@pytest.mark.parametrize("wideband", [False, True])
def test_vectorised_equals_scalar(wideband):
    grid = _grid()
    r, mos = em.r_and_mos(**grid, wideband=wideband)
    scalar = em.emodel_wb if wideband else em.emodel
    expected = [scalar(**{k: float(v[i]) for k, v in grid.items()}) for i in range(len(r))]
    assert r == pytest.approx([e.R for e in expected], rel=1e-12, abs=1e-12)
    assert mos == pytest.approx([e.MOS_CQE for e in expected], rel=1e-12, abs=1e-12)


def test_vectorised_defaults_broadcasting_and_missing_values():
    r, mos = em.r_and_mos(np.array([150.0, np.nan]), Ppl=[0.0, 1.0])
    assert r[0] == pytest.approx(em.emodel(Ta=150, T=150, Tr=300).R)
    assert math.isnan(r[1]) and math.isnan(mos[1])


def test_monitoring_builds_ta_from_its_parts():
    call = em.score_call(100, 0, 0, "G.711")
    assert (call.jitter_buffer_ms, call.Ta, call.T, call.Tr) == (40, 110, 110, 220)
    assert call.discard_pct == 0 and call.Ppl == 0
    g729 = em.score_call(100, 20, 0, "G.729a")
    assert g729.jitter_buffer_ms == 60 and g729.Ta == 50 + 60 + 20 + 5
    assert g729.discard_pct == pytest.approx(100 * math.exp(-3))


def test_monitoring_combines_network_loss_and_late_discards():
    call = em.score_call(40, 10, 1.0, "g711+plc", discard_pct=1.0)
    assert call.Ppl == pytest.approx(1.99)
    assert call.R < em.score_call(40, 10, 1.0, "G.711+PLC", discard_pct=0.0).R


def test_monitoring_reproduces_the_reference_cases():
    ref = _reference()
    if ref is None:
        pytest.skip(ABSENT)
    cases = {c["case"]: c for c in ref["full_model_vectors"]}
    plc = em.score_call(0, 0, 1.0, "G.711+PLC", jitter_buffer_ms=0, ptime_ms=0, discard_pct=0)
    assert plc.R == pytest.approx(cases["G.711+PLC (Ie=0,Bpl=25.1) Ppl=1% random"]["R"], abs=TOL)
    delayed = em.score_call(180, 0, 0, "G.711", jitter_buffer_ms=40)   # 90 + 40 + 20 = 150 ms
    assert delayed.Ta == 150
    assert delayed.R == pytest.approx(cases["Ta=T=150ms, Tr=300ms, G.711"]["R"], abs=TOL)


def test_monitoring_codecs():
    wb = em.score_call(60, 2, 0.5, "AMR-WB")
    assert wb.emodel.wideband and wb.R > 100 and wb.MOS_CQE == pytest.approx(
        em.mos_from_r_wb(wb.R))
    with pytest.raises(ValueError, match="G.107.2"):
        em.score_call(60, 2, 0.5, "EVS")
    with pytest.raises(ValueError, match="known codecs"):
        em.get_codec("G.999")
    with pytest.raises(ValueError, match="no published Bpl"):
        em.score_call(60, 2, 0.5, "G.729")
    assert em.score_call(60, 0, 0, "G.729", jitter_buffer_ms=40).R == pytest.approx(
        em.emodel(Ta=95, T=95, Tr=190, Ie=10).R)


@pytest.mark.parametrize("codec", ["G.711+PLC", "AMR-WB"])
def test_vectorised_monitoring_equals_scalar(codec):
    rtt, jitter, loss = np.array([20.0, 150, 300]), np.array([1.0, 15, 40]), np.array([0, 1, 5.0])
    r, mos = em.score_measurements(rtt, jitter, loss, codec)
    calls = [em.score_call(*args, codec) for args in zip(rtt, jitter, loss, strict=True)]
    assert r == pytest.approx([c.R for c in calls], rel=1e-12)
    assert mos == pytest.approx([c.MOS_CQE for c in calls], rel=1e-12)
    assert r[0] > r[1] > r[2]


@pytest.fixture
def cli():
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["emodel", *map(str, args)], terminal_width=200)


def test_cli_json_at_ta_150_is_the_reference_case(cli):
    result = cli("--ta", 150, "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert set(printed) == {"R", "mos"}
    expected = em.emodel(Ta=150, T=150, Tr=300)
    assert printed == {"R": pytest.approx(expected.R), "mos": pytest.approx(expected.MOS_CQE)}
    ref = _reference()
    if ref is not None:
        assert printed["R"] == pytest.approx(ref["full_model_vectors"][2]["R"], abs=TOL)


def test_cli_defaults_and_explicit_delays(cli):
    assert json.loads(cli("--json").output)["R"] == pytest.approx(em.emodel().R)
    explicit = json.loads(cli("--ta", 150, "--t", 20, "--tr", 40, "--ppl", 1, "--bpl", 25.1,
                              "--ie", 0, "--burstr", 1.5, "--a", 5, "--json").output)
    assert explicit["R"] == pytest.approx(em.emodel(Ta=150, T=20, Tr=40, Ppl=1, Bpl=25.1,
                                                    BurstR=1.5, A=5).R)


def test_cli_table_shows_category_and_impairments(cli):
    result = cli("--ta", 300, "--ppl", 2, "--ie", 11, "--bpl", 19)
    assert result.exit_code == 0, result.output
    expected = em.emodel(Ta=300, T=300, Tr=600, Ppl=2, Ie=11, Bpl=19)
    assert f"{expected.R:.4f}" in result.output and f"{expected.MOS_CQE:.4f}" in result.output
    assert em.g109_category(expected.R) in result.output
    assert "Ie,eff" in result.output and "Idd" in result.output


def test_cli_bad_input_is_a_plain_error(cli):
    result = cli("--ppl", 150)
    assert result.exit_code == 1
    assert "Ppl" in result.output and "Traceback" not in result.output
