"""Verdict logic of each claim kind on hand-made metrics, and the scorecard's declarations."""

from __future__ import annotations

import dataclasses

import pytest

from anndl.report.claims import (
    DATA_FILES,
    INCONCLUSIVE,
    NO_DATA,
    NOT_APPLICABLE,
    NOT_COMPARABLE,
    NOT_IN_QUICK,
    NOT_REPRODUCED,
    REPRODUCED,
    BestWithin,
    Choice,
    Claim,
    Data,
    Equals,
    InRange,
    Ordering,
    Timing,
    evaluate,
)
from anndl.report.headlines import HEADLINES, metric
from anndl.report.quantities import Metric
from anndl.report.scorecard import CLAIMS, REPORT_FIGURES, names_missing
from anndl.report.sections import SECTIONS, section_of

DATA = Data("the report's data", "ours, {config.repetitions} repetitions")


def _metric(key: str, **kwargs) -> Metric:
    return dataclasses.replace(Metric(key, key, **kwargs), experiment="x")


def _claim(test) -> Claim:
    return Claim("9.9", "a sentence", "value", test, DATA, why_not="because of a stated reason.")


def _mean_sd(low_mean: float, high_mean: float, sd: float, n: int = 4) -> dict:
    return {"x": {"a": low_mean, "a_sd": sd, "b": high_mean, "b_sd": sd, "config.repetitions": n}}


ORDER = Ordering((_metric("a", std="a_sd", n=("config.repetitions",)),),
                 (_metric("b", std="b_sd", n=("config.repetitions",)),))


def test_ordering_uses_two_standard_errors_of_the_difference():
    # population std 1 over 4 repetitions: SE of each mean = 1 / sqrt(3) = 0.577; of the difference 0.816.
    assert evaluate(_claim(ORDER), _mean_sd(1.0, 3.0, 1.0)).verdict == REPRODUCED
    assert evaluate(_claim(ORDER), _mean_sd(1.0, 2.0, 1.0)).verdict == INCONCLUSIVE
    assert evaluate(_claim(ORDER), _mean_sd(2.0, 1.0, 1.0)).verdict == INCONCLUSIVE
    refuted = evaluate(_claim(ORDER), _mean_sd(3.0, 1.0, 1.0))
    assert refuted.verdict == NOT_REPRODUCED and "because of a stated reason" in refuted.reason
    assert "± 0.5774" in refuted.ours and "ours, 4 repetitions" in refuted.reason


def test_ordering_without_a_recorded_spread_says_so():
    verdict = evaluate(_claim(ORDER), {"x": {"a": 1.0, "b": 2.0}})
    assert verdict.verdict == REPRODUCED and "No standard error recorded (x: a_sd" in verdict.reason


def test_ordering_of_curves_needs_every_point_and_factor_scales_the_lower_side():
    curve = Ordering((_metric("a"),), (_metric("b"),))
    assert evaluate(_claim(curve), {"x": {"a": [1, 2, 3], "b": [2, 3, 4]}}).verdict == REPRODUCED
    assert evaluate(_claim(curve), {"x": {"a": [1, 5, 3], "b": [2, 3, 4]}}).verdict == NOT_REPRODUCED
    halved = Ordering((_metric("a"),), (_metric("b"),), factor=2.0)
    assert evaluate(_claim(halved), {"x": {"a": 0.4, "b": 1.0}}).verdict == REPRODUCED
    assert evaluate(_claim(halved), {"x": {"a": 0.6, "b": 1.0}}).verdict == NOT_REPRODUCED


def test_proportion_standard_error_is_binomial():
    p = _metric("p", scale=100, unit="%", proportion=True, n=("trials",))
    estimate = p.estimate({"p": 0.5, "trials": 100})
    assert estimate.value == pytest.approx(50) and estimate.se == pytest.approx(5)


def test_in_range_is_inconclusive_within_two_standard_errors_of_a_bound():
    test = InRange((_metric("a", se="a_se"),), low=90)
    assert evaluate(_claim(test), {"x": {"a": 95, "a_se": 1}}).verdict == REPRODUCED
    assert evaluate(_claim(test), {"x": {"a": 91, "a_se": 1}}).verdict == INCONCLUSIVE
    assert evaluate(_claim(test), {"x": {"a": 85, "a_se": 1}}).verdict == NOT_REPRODUCED
    assert evaluate(_claim(InRange((_metric("a"),), 6, 10)), {"x": {"a": 11}}).verdict == NOT_REPRODUCED


def test_equals_and_missing_metrics_and_missing_runs():
    test = Equals((_metric("h"), _metric("p")), (20, 20))
    assert evaluate(_claim(test), {"x": {"h": 20, "p": 20}}).verdict == REPRODUCED
    assert evaluate(_claim(test), {"x": {"h": 10, "p": 20}}).verdict == NOT_REPRODUCED
    assert evaluate(_claim(test), {"x": {"h": 20}}).verdict == NO_DATA
    assert evaluate(_claim(test), {}).verdict == NO_DATA
    assert evaluate(_claim(Equals((_metric("c", reduce="len"),), (3,))), {"x": {"c": [1, 2, 3]}}).verdict == REPRODUCED


def test_best_within_passes_when_the_range_is_within_one_standard_error_of_the_best():
    test = BestWithin((_metric("mse", std="sd", n=("config.repetitions",)),), _metric("units", unit="units"), 40, 50)
    sizes = [10, 20, 30, 40, 50, 60]
    best_at_60 = {"units": sizes, "mse": [5, 4, 3, 2.2, 2.5, 2.0], "sd": [0.4] * 6, "config.repetitions": 4}
    assert evaluate(_claim(test), {"x": best_at_60}).verdict == REPRODUCED  # 0.2 <= hypot(0.2, 0.2)
    far = {**best_at_60, "mse": [5, 4, 3, 2.6, 2.5, 2.0]}
    assert evaluate(_claim(test), {"x": far}).verdict == NOT_REPRODUCED


def test_timing_claims_are_not_comparable_and_show_per_epoch_cost():
    test = Timing((_metric("gd_ms", unit="ms"),), (_metric("gd_evals"),))
    verdict = evaluate(_claim(test), {"x": {"gd_ms": 0.7}})
    assert verdict.verdict == NOT_COMPARABLE and "0.7 ms" in verdict.ours and "not recorded (gd_evals)" in verdict.ours


def test_stand_in_data_is_decided_by_digest_and_names_the_data():
    from anndl.data.course import DIGESTS

    claim = dataclasses.replace(_claim(Equals((_metric("h"),), (1,))),
                                data=Data("the course's file", "path {config.path}", course=("digits.mat",)))
    other = [{"file": "digits.mat", "sha256": "0" * 64}]  # the course's name, other content
    verdict = evaluate(claim, {"x": {"h": 1, "config.path": "digits.mat", DATA_FILES: other}})
    assert verdict.verdict == NOT_APPLICABLE and "path digits.mat" in verdict.reason
    assert "would say reproduced" in verdict.reason and "none of the course's files read" in verdict.reason
    course = [{"file": "renamed.mat", "sha256": DIGESTS["digits.mat"]["sha256"]}]  # any name, the course's content
    judged = evaluate(claim, {"x": {"h": 1, "config.path": "renamed.mat", DATA_FILES: course}})
    assert judged.verdict == REPRODUCED and "course files read (by digest): digits.mat" in judged.reason


def test_a_run_without_a_record_of_its_data_files_is_no_data():
    claim = dataclasses.replace(_claim(Equals((_metric("h"),), (1,))),
                                data=Data("the course's file", "path {config.path}", course=("digits.mat",)))
    verdict = evaluate(claim, {"x": {"h": 1, "config.path": "digits.mat"}})
    assert verdict.verdict == NO_DATA and "recorded no data files" in verdict.reason


def _choice_metrics(scores, stds, repetitions=5):
    return {"L": [1, 2, 2, 3], "u": [10, 15, 10, 10], "val": scores, "val_std": stds,
            "config.repetitions": repetitions}


def test_a_choice_is_judged_against_the_spread_of_our_best():
    test = Choice((_metric("L", exact=True), _metric("u", exact=True)),
                  _metric("val", std="val_std", n=("config.repetitions",)), (3, 10))
    # the report's 3 x 10 is ours too
    assert evaluate(_claim(test), {"x": _choice_metrics([5e-8, 4e-8, 6e-8, 2e-8], [1e-8] * 4)}).verdict == REPRODUCED
    # the numbers: 2 x 15 best at 2.28e-8 ± 0.85e-8 (SE), 3 x 10 at 7.09e-8 ± 3.4e-8: within 2 SE
    se_to_std = 2.0  # std = SE * sqrt(n - 1) with n = 5
    near = _choice_metrics([9e-8, 2.28e-8, 8e-8, 7.09e-8], [1e-8, 0.85e-8 * se_to_std, 1e-8, 3.4e-8 * se_to_std])
    verdict = evaluate(_claim(test), {"x": near})
    assert verdict.verdict == INCONCLUSIVE and "best 2 × 15" in verdict.ours and "report's 3 × 10" in verdict.ours
    # worse by more than 2 SE of the difference (4.81e-8 > 2 * hypot(0.5e-8, 0.5e-8) = 1.41e-8)
    far = _choice_metrics([9e-8, 2.28e-8, 8e-8, 7.09e-8], [1e-8, 1e-8, 1e-8, 1e-8])
    assert evaluate(_claim(test), {"x": far}).verdict == NOT_REPRODUCED
    # one repetition: no spread, so a different best is inconclusive, never "not reproduced"
    single = _choice_metrics([9e-8, 2.28e-8, 8e-8, 7.09e-8], [0.0] * 4, repetitions=1)
    assert evaluate(_claim(test), {"x": single}).verdict == INCONCLUSIVE


def test_a_choice_outside_the_grid_is_no_data_and_not_in_the_quick_run_when_quick():
    test = Choice((_metric("L", exact=True), _metric("u", exact=True)),
                  _metric("val", std="val_std", n=("config.repetitions",)), (4, 10))
    values = {"x": _choice_metrics([1.0, 2.0, 3.0, 4.0], [0.1] * 4)}
    assert evaluate(_claim(test), values).verdict == NO_DATA
    quick = evaluate(_claim(test), values, quick=True)
    assert quick.verdict == NOT_IN_QUICK and "not in the grid" in quick.reason


def test_quick_verdicts_are_marked_indicative():
    test = InRange((_metric("a"),), high=1.0)
    verdict = evaluate(_claim(test), {"x": {"a": 0.5}}, quick=True)
    assert verdict.verdict == REPRODUCED and verdict.reason.startswith("Indicative only")
    assert not evaluate(_claim(test), {"x": {"a": 0.5}}).reason.startswith("Indicative")


def test_names_missing_catches_a_renamed_metric():
    experiment = "hopfield_3d"
    values = {m.key: 1 for m in HEADLINES[experiment]} | {"corner_fixed_points": [1], "n_grid_starts": 27,
                                                          "config.num_steps": 500}
    assert names_missing(experiment, values) == []
    values.pop("mean_iterations")
    assert names_missing(experiment, values) == ["mean_iterations"]


def test_claims_quote_the_report_and_sit_in_its_sections():
    numbers = [s.number for s in SECTIONS]
    for claim in CLAIMS:
        assert claim.section in numbers and 10 <= len(claim.quote) <= 160
        assert all(section_of(e) is not None and section_of(e).number == claim.section for e in claim.experiments)
        for declared in claim.reads():
            assert metric(declared.experiment, declared.key) is declared
    part_one = [s.number for s in SECTIONS if s.part == 1]
    assert part_one == sorted(part_one, key=lambda n: [int(p) for p in n.split(".")])
    assert [s.part for s in SECTIONS] == sorted(s.part for s in SECTIONS), "Part II follows Part I"
    assert {e for _, e, _, _ in REPORT_FIGURES} <= {e for s in SECTIONS for e in s.experiments}


def test_the_scorecard_tightened_predicates_compare_what_the_report_compares():
    by_quote = {c.quote: c for c in CLAIMS}
    more = by_quote["a higher number of iterations can improve the performance of the predictions"].test
    assert more.lower[0].key.endswith("iterations_20") and more.higher[0].key.endswith("iterations_*")
    sae = next(c for c in CLAIMS if "initialization scheme" in c.quote).test
    assert sae.higher[0].key == "architectures.(100, 50).accuracy_finetuned"
    assert sae.lower[0].key == "baseline.accuracy_mean"
    precisions = {m.key for c in CLAIMS if c.section == "3.1" for m in c.reads()}
    assert {"threes.rmsd_q256_float32", "threes.rmsd_q256"} <= precisions


def test_one_repetition_is_inconclusive_whatever_the_means_say():
    verdict = evaluate(_claim(ORDER), _mean_sd(3.0, 1.0, 0.0, n=1))
    assert verdict.verdict == INCONCLUSIVE and "one repetition" in verdict.reason
    assert "on means: not reproduced" in verdict.reason


def test_the_data_a_claim_was_measured_on_is_named_by_file_not_by_the_users_absolute_path():
    claim = dataclasses.replace(_claim(Equals((_metric("h"),), (1,))),
                                data=Data("the course's file", "data_path {config.data_path}"))
    verdict = evaluate(claim, {"x": {"h": 1, "config.data_path": "/home/student/course/Data_Problem1.mat"}})
    assert "data_path Data_Problem1.mat" in verdict.reason and "/home/student" not in verdict.reason
    photos = dataclasses.replace(claim, data=Data("the course's photos", "{config.source} → {config.target}"))
    verdict = evaluate(photos, {"x": {"h": 1, "config.source": "/data/day.jpg", "config.target": "/data/sunset.jpg"}})
    assert "day.jpg → sunset.jpg" in verdict.reason and "/data" not in verdict.reason
