"""Loaded for every test under the repository (tests/ and each drivers/*/tests)."""

pytest_plugins = ("tests.home_guard", "pytester")
