"""Node fixtures for these tests."""

from tests.support.flow_fixtures import node, pair, trio  # noqa: F401 - fixtures
