"""The app as ``python -m bench lists`` serves it: the real settings, plus the baseline pages."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.list_urls"

import warnings  # noqa: E402

# WhiteNoise looks for collectstatic's output, which the benchmark's pages do not load.
warnings.filterwarnings("ignore", "No directory at")
