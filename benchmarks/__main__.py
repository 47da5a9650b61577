"""``python -m benchmarks`` (``make bench``): run every benchmark and compare with the recorded results."""

import sys

from benchmarks.runner import main

sys.exit(main())
