import pytest

from common.errors import TooManyRequests
from identity.ratelimit import MemoryCounters, RateLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_failures_past_the_limit_answer_429_with_retry_after():
    clock = Clock()
    limiter = RateLimiter(MemoryCounters(clock), window=60, address_limit=100)
    for _ in range(3):
        limiter.check("login", "a@example.com", "1.2.3.4", 3)
        limiter.fail("login", "a@example.com", "1.2.3.4", 3)
    with pytest.raises(TooManyRequests) as exc:
        limiter.check("login", " A@Example.com ", "9.9.9.9", 3)
    assert 1 <= exc.value.retry_after <= 61
    clock.now += 61
    limiter.check("login", "a@example.com", "1.2.3.4", 3)


def test_the_address_limit_applies_across_emails():
    limiter = RateLimiter(MemoryCounters(Clock()), window=60, address_limit=2)
    limiter.hit("forgot", "a@example.com", "1.2.3.4", 10)
    limiter.hit("forgot", "b@example.com", "1.2.3.4", 10)
    with pytest.raises(TooManyRequests):
        limiter.hit("forgot", "c@example.com", "1.2.3.4", 10)
