"""Calibration: Krippendorff's alpha against hand-computed and published figures, agreement and
spread per criterion, blind scoring, results and deviation from the consensus."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from steward.core.roles import Role
from steward.quality import calibration, selectors, services
from steward.quality.models import CalibrationScore


def test_alpha_of_a_hand_computed_binary_example():
    # Coders A = (1, 1, 0), B = (1, 0, 0) on three units. Coincidences: o11 = 2, o10 = o01 = 1,
    # o00 = 2; n1 = n0 = 3, n = 6. Observed disagreement D_o = 2/6; expected D_e = 2·3·3 / (6·5)
    # = 0.6; alpha = 1 − (1/3)/0.6 = 4/9.
    assert calibration.alpha([[1, 1, 0], [1, 0, 0]], "nominal") == pytest.approx(4 / 9)


def test_alpha_matches_krippendorffs_published_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders, 12 units,
    # missing values; alpha nominal 0.743, ordinal 0.815, interval 0.849.
    n = None
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
            [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]]
    assert calibration.alpha(data, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert calibration.alpha(data, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert calibration.alpha(data, "interval") == pytest.approx(0.849, abs=5e-4)


def test_alpha_is_undefined_without_variation_or_pairs():
    assert calibration.alpha([[1, 1], [1, 1]], "nominal") is None
    assert calibration.alpha([[1, None], [None, 2]], "interval") is None
    assert calibration.alpha([[1, 2]], "interval") is None


def test_agreement_spread_and_deviation():
    answers = {"c1": {"a": "yes", "b": "yes", "c": "yes"}, "c2": {"a": "yes", "b": "no", "c": "na"},
               "c3": {"a": "no", "b": "no", "c": "no"}}
    result = calibration.criterion_agreement("greeting", "Greeting", "yes_no", answers)
    assert result.contacts == 3
    assert result.agreement == pytest.approx(2 / 3)
    # pairs: c1 3 agree, c2 1 pair disagrees (c is N.A.), c3 3 agree → 6 of 7
    assert result.pairwise == pytest.approx(6 / 7)
    assert result.spread == pytest.approx((0 + 0.5 + 0) / 3)
    deviations = calibration.deviations({"c1": {"a": 90.0, "b": 70.0}, "c2": {"a": 80.0, "b": 80.0, "c": 50.0}})
    by = {d.evaluator: d for d in deviations}
    assert by["a"].bias == pytest.approx((10 + 10) / 2) and by["b"].bias == pytest.approx((-10 + 10) / 2)
    assert by["c"].bias == pytest.approx(-20) and by["b"].mean_absolute == pytest.approx(10)


GOOD = {"greeting": "yes", "accuracy": "5", "privacy": "yes"}
POOR = {"greeting": "no", "accuracy": "2", "privacy": "yes"}


@pytest.mark.django_db
def test_blind_session_flow(client, world, contacts, published_scorecard, make_user):
    first, second = world.user("qa_analyst"), make_user("qa-two", Role.QA_ANALYST)
    chosen = [contacts["QA-amy-3"], contacts["QA-BELLA-1"]]
    with pytest.raises(ValidationError):  # one evaluator is not a calibration
        services.calibration_create(actor=first, scorecard=published_scorecard, title="March", interactions=chosen,
                                    evaluators=[first])
    with pytest.raises(ValidationError):  # vendor staff cannot calibrate
        services.calibration_create(actor=first, scorecard=published_scorecard, title="March", interactions=chosen,
                                    evaluators=[first, world.user("a-manager")])
    session = services.calibration_create(actor=first, scorecard=published_scorecard, title="March",
                                          interactions=chosen, evaluators=[first, second])
    from steward.core.models import Notification
    assert Notification.objects.filter(recipient=second).exists()
    with pytest.raises(ValidationError) as info:  # every criterion must be answered
        services.calibration_score(actor=first, session=session, interaction=chosen[0], answers={"greeting": "yes"})
    assert "accuracy" in info.value.message_dict
    services.calibration_score(actor=first, session=session, interaction=chosen[0], answers=GOOD)
    with pytest.raises(ValidationError):  # final once submitted
        services.calibration_score(actor=first, session=session, interaction=chosen[0], answers=POOR)
    with pytest.raises(ValidationError):  # not an evaluator
        services.calibration_score(actor=world.user("outsourcing_manager"), session=session,
                                   interaction=chosen[0], answers=GOOD)
    # Blind until the evaluator has scored every contact.
    assert not selectors.calibration_results_visible(user=first, session=session)
    client.force_login(first)
    page = client.get(reverse("quality:calibration-detail", args=[session.pk]))
    assert page.status_code == 200 and b'data-testid="blind"' in page.content
    response = client.post(reverse("quality:calibration-score", args=[session.pk, chosen[1].pk]),
                           {f"c_{k}": v for k, v in POOR.items()})
    assert response.status_code == 302
    assert selectors.calibration_results_visible(user=first, session=session)
    assert not selectors.calibration_results_visible(user=second, session=session)
    for contact, answers in zip(chosen, (GOOD, GOOD), strict=True):
        services.calibration_score(actor=second, session=session, interaction=contact, answers=answers)
    results = selectors.calibration_results(session)
    assert results.submitted == results.expected == 4
    accuracy = next(c for c in results.criteria if c.key == "accuracy")
    assert accuracy.agreement == pytest.approx(1 / 2) and accuracy.contacts == 2
    scores = {(s.interaction_id, s.evaluator_id): float(s.score) for s in CalibrationScore.objects.all()}
    bias = {user.pk: d.bias for user, d in results.deviations}
    expected_first = (scores[(chosen[1].pk, first.pk)] - scores[(chosen[1].pk, second.pk)]) / 2 / 2
    assert bias[first.pk] == pytest.approx(expected_first) and bias[second.pk] == pytest.approx(-expected_first)
    page = client.get(reverse("quality:calibration-detail", args=[session.pk]))
    assert b'data-testid="score-alpha"' in page.content
    services.calibration_close(actor=first, session=session)
    with pytest.raises(ValidationError):
        services.calibration_close(actor=first, session=session)
    drift = selectors.evaluator_drift(user=first)
    assert {person.pk for person, _rows in drift} == {first.pk, second.pk}
    assert client.get(reverse("quality:calibration-list")).status_code == 200
    client.force_login(world.user("a-manager"))
    assert client.get(reverse("quality:calibration-detail", args=[session.pk])).status_code == 403


@pytest.mark.django_db
def test_calibration_api_is_blind(client, world, contacts, published_scorecard, make_user):
    first, second = world.user("qa_analyst"), make_user("qa-three", Role.QA_ANALYST)
    session = services.calibration_create(actor=first, scorecard=published_scorecard, title="API",
                                          interactions=[contacts["QA-amy-3"]], evaluators=[first, second])
    client.force_login(first)
    body = client.get(f"/api/quality/calibrations/{session.pk}").json()
    assert body["results_visible"] is False and body["criteria"] == []
    services.calibration_score(actor=first, session=session, interaction=contacts["QA-amy-3"], answers=GOOD)
    body = client.get(f"/api/quality/calibrations/{session.pk}").json()
    assert body["results_visible"] is True and {c["key"] for c in body["criteria"]} == {"greeting", "accuracy", "privacy"}
    assert [s["title"] for s in client.get("/api/quality/calibrations").json()] == ["API"]
    client.force_login(world.user("a-manager"))
    assert client.get(f"/api/quality/calibrations/{session.pk}").status_code == 403
