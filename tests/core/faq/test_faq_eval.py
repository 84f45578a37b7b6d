"""The matcher on the labelled set written independently of faq.yaml (tests/data/faq_eval.yaml)."""

from __future__ import annotations

from bot.core.common.settings import ROOT
from bot.core.faq.evaluation import LabelledSet, evaluate
from bot.core.services import Services

LABELLED = LabelledSet.load(ROOT / "tests" / "data" / "faq_eval.yaml")


def test_labelled_set_is_big_enough_and_labels_exist(shared_services: Services) -> None:
    assert len(LABELLED.in_domain) >= 150 and len(LABELLED.out_of_domain) >= 30
    unknown = {entry_id for _, entry_id in LABELLED.in_domain} - set(shared_services.kb.by_id)
    assert not unknown


def test_accuracy_on_the_labelled_set(shared_services: Services) -> None:
    def predict(question: str) -> tuple[str, str | None]:
        result = shared_services.matcher.match(question)
        first = result.entry_id if result.decision == "answer" else next((s.entry_id for s in result.suggestions), None)
        return result.decision, first

    accuracy = evaluate(predict, LABELLED)
    report = (
        f"right {accuracy.right_rate:.1%} (direct {accuracy.direct_rate:.1%}), "
        f"out-of-domain answered {accuracy.out_of_domain_rate:.1%}\n"
        f"wrong answers: {accuracy.wrong_answers}\nmissed: {accuracy.missed}\n"
        f"out-of-domain answered: {accuracy.out_of_domain_answered}"
    )
    assert accuracy.right_rate >= 0.95, report
    assert accuracy.out_of_domain_rate <= 0.05, report
    # A confident answer must almost never be the wrong one: a wrong answer misleads, a suggestion does not.
    assert len(accuracy.wrong_answers) <= 0.02 * accuracy.in_domain, report


def test_the_issues_out_of_domain_examples_get_no_confident_answer(shared_services: Services) -> None:
    for question in ("家政服務包括哪些", "手機保修期多久", "洗衣機多久保養一次"):
        assert shared_services.matcher.match(question).decision != "answer", question
