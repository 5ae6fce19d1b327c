"""Two nodes on loopback, for the API tests that federate."""

from tests.support.flow_fixtures import pair  # noqa: F401 - a fixture
