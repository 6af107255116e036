"""What a run shows while it goes on, and a stop asked of it: the printer's two modes and a campaign stopped at
a step with the summary of what ran."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.engine.campaign import STEP_S, Campaign, CampaignConfig
from pytest_fixedratio.engine.progress import PLAIN_INTERVAL_S, Progress, ProgressPrinter, StopRequest


def _progress(chain: float) -> Progress:
    return Progress(chain, 3600, 12.0, 24_000, 1)


def test_a_progress_line_says_how_far_at_what_rate_and_the_incidents() -> None:
    assert _progress(1800).render() == ("1800/3600 s chain time (50%), 12 s wall, 24,000 operations (2,000/s), "
                                        "1 incident")
    assert Progress(0, 60, 0, 0, 2).render() == "0/60 s chain time (0%), 0 s wall, 0 operations (0/s), 2 incidents"


@given(st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=40))
def test_a_plain_stream_gets_a_line_at_most_every_interval(gaps: list[float]) -> None:
    """Where the output is a log, not a terminal: the first step prints, then one line per `PLAIN_INTERVAL_S`."""
    now = [0.0]
    stream = io.StringIO()
    printer = ProgressPrinter(stream, terminal=False, monotonic=lambda: now[0])
    printed_at: list[float] = []
    expected: list[float] = []
    for gap in gaps:
        now[0] += gap
        if not expected or now[0] - expected[-1] >= PLAIN_INTERVAL_S:
            expected.append(now[0])
        before = stream.getvalue().count("\n")
        printer(_progress(now[0]))
        if stream.getvalue().count("\n") > before:
            printed_at.append(now[0])
    assert printed_at == expected
    assert all(line.startswith("progress: ") for line in stream.getvalue().splitlines())
    printer.close()
    assert stream.getvalue().count("\n") == len(printed_at)


def test_a_terminal_line_is_rewritten_in_place_and_ended_on_close() -> None:
    now = [0.0]
    stream = io.StringIO()
    printer = ProgressPrinter(stream, terminal=True, monotonic=lambda: now[0])
    printer(Progress(1000, 3600, 10, 5_000, 0))
    now[0] = 1.0
    printer(Progress(2, 3600, 10, 5, 0))  # shorter: the rest of the old line is blanked
    printer.close()
    first, second = stream.getvalue().split("\r")[1:]
    assert "\n" not in first and second.endswith("\n") and len(second) == len(first) + 1
    assert second.startswith("2/3600 s chain time")


def test_the_first_reason_to_stop_counts() -> None:
    stop = StopRequest()
    assert not stop.requested
    stop.request("SIGTERM")
    stop.request("SIGINT")
    assert stop.requested and stop.reason == "SIGTERM"


@pytest.mark.asyncio
async def test_a_stop_requested_ends_the_campaign_at_the_next_step_with_a_partial_summary() -> None:
    stop, seen = StopRequest(), []

    def watch(progress: Progress) -> None:
        seen.append(progress)
        if progress.chain_seconds >= 30:
            stop.request("SIGINT")

    summary = await Campaign(CampaignConfig(duration_s=3600, pools=1, seed=5)).run(stop=stop, progress=watch)
    assert [p.chain_seconds for p in seen] == [STEP_S * n for n in range(1, 31)]
    assert all(p.duration_s == 3600 and p.incidents == 0 for p in seen)
    assert [p.operations for p in seen] == sorted(p.operations for p in seen) and seen[-1].operations > 100
    assert summary.interrupted == "SIGINT" and summary.virtual_seconds == 30 and summary.passed
    assert summary.total_operations >= seen[-1].operations
    assert "PASSED (interrupted by SIGINT after 30 s of chain time" in summary.render()
