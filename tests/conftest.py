"""Shared pytest configuration. Fixtures for each area live in that area's conftest."""
