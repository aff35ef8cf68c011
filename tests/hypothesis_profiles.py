"""Hypothesis settings for dlcore's property-based tests; import it before using @given.

HYPOTHESIS_PROFILE chooses the budget:

- "unit" (default): 10 examples per property, derandomized, so that the whole unit run
  stays fast and gives the same result on every machine;
- "full": 300 random examples per property, for a long search before a release
  (``HYPOTHESIS_PROFILE=full .venv/bin/pytest tests/test_properties.py``).

No example database is kept (database=None): a failure prints the falsifying example, and
``@example(...)`` pins it as a regression test. (Hypothesis's own cache in ``.hypothesis/``
carries a .gitignore of its own.)
"""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("unit", max_examples=10, derandomize=True, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("full", max_examples=300, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "unit"))
