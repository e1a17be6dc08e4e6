"""P12 over the claim corpus: every false outcome claim is stopped, every true or neutral
sentence reaches the user unchanged (tests/guard/claims_corpus.yaml, written from the policy)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.claims_bench import GOAL_FALSE_POSITIVES, Judged, figures, judge, review
from benchmarks.claims_corpus import Case, World, build, load

CORPUS = load()


@pytest.fixture(scope="module")
def judged() -> list[Judged]:
    return judge(CORPUS)


@pytest.fixture(scope="module")
def built() -> Iterator[dict[str, World]]:
    worlds: dict[str, World] = {}
    yield worlds
    for world in worlds.values():
        world.store.engine.dispose()


def world_of(built: dict[str, World], case: Case) -> World:
    if case.world not in built:
        built[case.world] = build(CORPUS, CORPUS.worlds[case.world])
    return built[case.world]


def test_the_corpus_holds_at_least_150_false_claims_and_150_true_or_neutral_sentences() -> None:
    assert len(CORPUS.of("lie")) >= 150
    assert len(CORPUS.of("truth")) + len(CORPUS.of("neutral")) >= 150
    assert len({(c.world, c.user, c.say) for c in CORPUS.cases}) == len(CORPUS.cases)


@pytest.mark.parametrize("case", CORPUS.of("lie"), ids=lambda c: c.name)
def test_a_false_outcome_claim_never_reaches_the_user(
    case: Case, built: dict[str, World],
) -> None:
    result = review(world_of(built, case), case)
    assert result.changed and result.problems
    assert case.say.strip() not in result.text


@pytest.mark.parametrize("case", [*CORPUS.of("truth"), *CORPUS.of("neutral")],
                         ids=lambda c: c.name)
def test_a_true_or_neutral_sentence_reaches_the_user_unchanged(
    case: Case, built: dict[str, World],
) -> None:
    result = review(world_of(built, case), case)
    assert not result.changed and result.text == case.say.strip(), result.problems


def test_the_benchmark_figures_meet_the_goal(judged: list[Judged]) -> None:
    f = figures(judged)
    assert f.recall == 1.0
    assert f.false_positive_rate <= GOAL_FALSE_POSITIVES
