"""Settings for the test suite: Steward's own, in its test posture."""

import os
import tempfile

os.environ.setdefault("STEWARD_ENV", "test")

from steward.settings import *  # noqa: E402,F403

MEDIA_ROOT = tempfile.mkdtemp(prefix="steward-test-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="steward-test-static-")
