"""Token buckets and sliding windows on an injected clock: no sleeps, no timed assertions."""

from __future__ import annotations

import pytest

from bot.core.outbox.rate_limit import EPSILON, IN_FLIGHT_POLL, RateLimiter, SlidingWindow, TokenBucket


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def send(limiter: RateLimiter, clock: Clock, chat_id: int, latency: float = 0.0) -> None:
    """One message: start it, answer it `latency` later."""
    assert limiter.wait(chat_id) == 0.0
    limiter.take(chat_id)
    clock.now += latency
    limiter.finish(chat_id)


def test_token_bucket_refills_at_its_rate_up_to_capacity() -> None:
    bucket = TokenBucket(rate=10.0, capacity=2.0, now=0.0)
    bucket.take(0.0)
    bucket.take(0.0)
    assert bucket.wait(0.0) == pytest.approx(0.1)
    assert bucket.wait(0.05) == pytest.approx(0.05)
    assert bucket.wait(0.1) == 0.0
    assert bucket.idle(10.0)  # never more than its capacity
    assert bucket.tokens == 2.0


def test_sliding_window_counts_from_the_start_until_a_window_after_the_answer() -> None:
    window = SlidingWindow(limit=2, window=1.0)
    window.take(0.0)
    window.take(0.0)
    assert window.wait(0.0) == IN_FLIGHT_POLL  # both in flight: only an answer can free the window
    window.finish(0.2)
    window.finish(0.3)
    assert window.wait(0.5) == pytest.approx(0.7)  # 1.2 - 0.5: the first answer leaves the window at 1.2
    assert window.wait(1.2) == 0.0
    assert not window.idle(1.25)
    assert window.idle(1.3)


def test_overall_rate_is_never_exceeded_in_any_second_and_is_spread_over_it() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=20, private_per_second=None, group_per_minute=None, clock=clock)
    starts: list[float] = []
    for chat_id in range(1, 101):
        while (wait := limiter.wait(chat_id)) > 0:
            clock.now += wait
        starts.append(clock.now)
        send(limiter, clock, chat_id, latency=0.01)
    for index, start in enumerate(starts):
        assert sum(1 for s in starts[index:] if s < start + 1.0) <= 20
    assert starts[1] - starts[0] < 0.01  # a burst of two (a tenth of a second's worth) goes at once…
    assert starts[-1] - starts[0] < 5.0 + 5 * 0.01 + 0.5  # …and 100 messages take about 5 s, not more


def test_a_private_chat_gets_one_message_a_second_counted_from_the_answer() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=None, clock=clock)
    send(limiter, clock, 42, latency=0.3)
    assert limiter.wait(42) == pytest.approx(1.0)
    assert limiter.wait(43) == 0.0  # another chat is not held up
    clock.now += 1.0
    assert limiter.wait(42) == 0.0


def test_a_group_gets_twenty_a_minute() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=None, clock=clock)
    group = -1001234
    for _ in range(20):
        send(limiter, clock, group, latency=0.1)
        clock.now += 0.5
    assert limiter.chat_wait(group) == pytest.approx(60.0 + 0.1 - 20 * 0.6)  # the first answer + 60 s
    clock.now += limiter.chat_wait(group)
    assert limiter.chat_wait(group) == 0.0


def test_a_429_pauses_every_chat_until_retry_after_elapsed() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=30, clock=clock)
    limiter.pause(3)
    assert limiter.wait(1) == pytest.approx(3.0)
    assert limiter.wait(-100) == pytest.approx(3.0)
    limiter.pause(1)  # a shorter pause does not shorten the running one
    clock.now += 3.0
    assert limiter.wait(1) == 0.0


def test_try_take_records_nothing_while_it_must_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=None, clock=clock)
    assert limiter.try_take(7) == 0.0
    limiter.finish(7)
    assert limiter.try_take(7) == pytest.approx(1.0)
    assert limiter.try_take(7) == pytest.approx(1.0)
    clock.now += 1.0
    assert limiter.try_take(7) == 0.0


def test_idle_chats_are_forgotten() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=None, clock=clock)
    for chat_id in (1, 2, -3):
        send(limiter, clock, chat_id)
    assert limiter.tracked_chats == 3
    clock.now += 1.5
    limiter.prune()
    assert limiter.tracked_chats == 1  # the group's minute is not over


def test_no_limits_for_the_naive_baseline() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=None, private_per_second=None, group_per_minute=None, clock=clock)
    for _ in range(100):
        send(limiter, clock, 5)
    assert limiter.wait(5) == 0.0
    assert limiter.tracked_chats == 0


def simulate(limiter: RateLimiter, clock: Clock, latencies: list[float], concurrency: int) -> list[tuple[float, float]]:
    """Send one message per latency (each to its own chat) as the sender does: start whenever the limiter and a
    free slot allow, the answer `latency` later; the clock jumps from event to event. (start, answer) per message."""
    pending = list(enumerate(latencies))
    in_flight: list[tuple[float, int]] = []  # (answer time, chat)
    done: list[tuple[float, float]] = []
    starts: dict[int, float] = {}
    while pending or in_flight:
        while pending and len(in_flight) < concurrency and limiter.wait(pending[0][0] + 1) == 0.0:
            chat, latency = pending.pop(0)
            limiter.take(chat + 1)
            starts[chat + 1] = clock.now
            in_flight.append((clock.now + latency, chat + 1))
        in_flight.sort()
        wake = [in_flight[0][0]] if in_flight else []
        if pending and len(in_flight) < concurrency:
            wake.append(clock.now + limiter.wait(pending[0][0] + 1))
        clock.now = min(wake)
        while in_flight and in_flight[0][0] <= clock.now:
            _, chat = in_flight.pop(0)
            limiter.finish(chat)
            done.append((starts[chat], clock.now))
    return done


def worst_second(sends: list[tuple[float, float]]) -> int:
    """The most messages one second of the server's can hold, whatever moment between its start and its answer
    each message reached the server: the most [start, answer] intervals meeting any (t - 1, t] (to a float's
    slack: the limiter's EPSILON, a microsecond)."""
    return max(sum(1 for s, e in sends if s <= t and e > t - 1.0 + EPSILON) for t, _ in sends)


def test_no_second_of_the_server_holds_more_than_the_limit_whatever_the_latency() -> None:
    clock = Clock()
    limiter = RateLimiter(per_second=20, private_per_second=None, group_per_minute=None, clock=clock)
    # a loaded machine: mostly fast answers, with stalls of up to 0.9 s among them (deterministic pattern)
    latencies = [(0.005, 0.03, 0.2, 0.01, 0.9, 0.05, 0.002, 0.4)[n % 8] for n in range(400)]
    sends = simulate(limiter, clock, latencies, concurrency=40)
    assert len(sends) == 400
    assert worst_second(sends) <= 20


def test_the_rate_is_the_limit_over_one_second_plus_the_round_trip() -> None:
    """What the guarantee above costs, and what a cap on requests in flight costs on top (Little's law)."""
    clock = Clock()
    limiter = RateLimiter(per_second=50, private_per_second=None, group_per_minute=None, clock=clock)
    sends = simulate(limiter, clock, [0.05] * 1000, concurrency=50)
    rate = (len(sends) - 1) / (sends[-1][0] - sends[0][0])
    assert 50 / 1.05 * 0.99 <= rate <= 50 / 1.05 * 1.01  # each message holds its place for 1 s + its round trip

    clock = Clock()
    limiter = RateLimiter(per_second=50, private_per_second=None, group_per_minute=None, clock=clock)
    sends = simulate(limiter, clock, [0.2] * 500, concurrency=4)
    rate = (len(sends) - 1) / (sends[-1][0] - sends[0][0])
    assert rate == pytest.approx(4 / 0.2, rel=0.01)  # 4 in flight, 0.2 s each: 20/s, far under the limit
