"""Hypothesis profiles: CI and the default run are derandomized, so a statistical property test
cannot fail by chance on one clean clone and pass on the next. `HYPOTHESIS_PROFILE=explore`
searches fresh examples (more of them) when you want hypothesis to hunt for bugs."""

import os

from hypothesis import settings

settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
