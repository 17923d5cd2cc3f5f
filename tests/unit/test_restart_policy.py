"""The restart policy of `vssid dev`: doubling delays, a crash loop stops, old crashes age out."""

from __future__ import annotations

from vssid.devstack.supervisor import CrashHistory, RestartPolicy


def test_delays_double_until_the_fifth_crash_in_a_minute() -> None:
    history = CrashHistory(RestartPolicy())
    delays = [history.crashed(float(t)) for t in range(0, 50, 10)]
    assert delays == [0.5, 1.0, 2.0, 4.0, None]


def test_crashes_older_than_the_window_do_not_count() -> None:
    history = CrashHistory(RestartPolicy(max_crashes=3, window=60.0))
    assert history.crashed(0.0) == 0.5
    assert history.crashed(30.0) == 1.0
    assert history.crashed(61.0) == 1.0  # the crash at 0 s has aged out
    assert history.crashed(200.0) == 0.5
    assert history.recent == 1


def test_the_delay_is_capped() -> None:
    history = CrashHistory(RestartPolicy(max_crashes=100, max_delay=30.0))
    delays = [history.crashed(float(t)) for t in range(12)]
    assert delays[-1] == 30.0
