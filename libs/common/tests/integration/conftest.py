import pytest

from common.testing import amqp_server_url, check_reachable, postgres_server_url, throwaway_database, unique_name


@pytest.fixture(scope="session")
def pg_server():
    url = postgres_server_url()
    check_reachable(url, "postgres")
    return url


@pytest.fixture(scope="session")
def amqp_url():
    url = amqp_server_url()
    check_reachable(url, "rabbitmq")
    return url


@pytest.fixture
def database_url(pg_server):
    with throwaway_database(pg_server, "common") as url:
        yield url


@pytest.fixture
def bus_prefix():
    return unique_name("bus") + "."
