import pytest

from common.errors import TooManyRequests
from identity.ratelimit import MemoryCounters, RateLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_failures_past_the_limit_answer_429_with_retry_after_for_that_account_from_that_address():
    clock = Clock()
    limiter = RateLimiter(MemoryCounters(clock), window=60, address_limit=100)
    for _ in range(3):
        limiter.check("login", "a@example.com", "1.2.3.4", 3)
        limiter.fail("login", "a@example.com", "1.2.3.4", 3)
    with pytest.raises(TooManyRequests) as exc:
        limiter.check("login", " A@Example.com ", "1.2.3.4", 3)
    assert 1 <= exc.value.retry_after <= 61
    # The owner, elsewhere, is not locked out by a stranger's failures.
    limiter.check("login", "a@example.com", "9.9.9.9", 3)
    clock.now += 61
    limiter.check("login", "a@example.com", "1.2.3.4", 3)


def test_one_address_guessing_over_many_accounts_is_stopped():
    limiter = RateLimiter(MemoryCounters(Clock()), window=60, address_limit=5)
    for n in range(5):
        limiter.check("login", f"user{n}@example.com", "1.2.3.4", 3)
        limiter.fail("login", f"user{n}@example.com", "1.2.3.4", 3)
    with pytest.raises(TooManyRequests):
        limiter.check("login", "someone-else@example.com", "1.2.3.4", 3)
    limiter.check("login", "someone-else@example.com", "5.6.7.8", 3)


def test_several_workers_without_redis_refuse_to_start():
    from common.config import ConfigError
    from identity.ratelimit import require_shared_counters

    require_shared_counters({}, 1)
    require_shared_counters({"REDIS_URL": "redis://127.0.0.1:6379/0"}, 4)
    with pytest.raises(ConfigError, match="REDIS_URL"):
        require_shared_counters({}, 2)


def test_the_address_limit_applies_across_emails():
    limiter = RateLimiter(MemoryCounters(Clock()), window=60, address_limit=2)
    limiter.hit("forgot", "a@example.com", "1.2.3.4", 10)
    limiter.hit("forgot", "b@example.com", "1.2.3.4", 10)
    with pytest.raises(TooManyRequests):
        limiter.hit("forgot", "c@example.com", "1.2.3.4", 10)
