"""A cluster's judge counts a section sampled only once it has seen its pages' templates.

On one machine a page is reached and judged in one step. A cluster worker sent
the pages it reached with whichever result went next, ahead of the pages' own
notes: the coordinator's judge then took the site's help and browse sections as
sampled before it had seen their template was the generic layout, and people
pages arriving meanwhile were judged without that evidence (test_cluster_govsite
stored /government/people/... pages now and then). Here the bad order is played
deterministically: a worker reads a help page, and the result of another page
goes to the coordinator first.
"""

from __future__ import annotations

from types import SimpleNamespace

from crawler.cluster.judgement import CoordinatorJudgement, RelayJudge
from crawler.judging import ReleaseJudge, Seen

HELP = "https://gov.demo/help/about"
NEWS = "https://gov.demo/government/news/roads-plan"


class Stats:
    def inc_value(self, key: str, value: int = 1) -> None:
        pass


def test_a_page_reached_counts_for_its_section_only_with_its_note() -> None:
    judge = ReleaseJudge()
    judging = CoordinatorJudgement(SimpleNamespace(judge=judge), Stats())
    judge.expect(HELP)
    judge.expect(NEWS)
    worker = RelayJudge()
    worker.reached(HELP)  # the spider reads the help page and asks about it ...
    worker.decide(Seen(HELP, "generic", "page", reason="no date"))
    worker.reached(NEWS)
    worker.decide(Seen(NEWS, "release", "article"))
    # ... and the news page's result is sent first, with what the worker reached.
    judging.reached(worker.take_reached())
    judging.apply([], worker.note(NEWS, {}))
    assert not judge.broad()  # the help section's template is not known yet
    judging.apply([], worker.note(HELP, {}))
    assert judge.broad()
