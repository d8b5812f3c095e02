"""Settings for the load benchmark (bench/load/run.py): Plenary's own, plus two
baseline views on the same server.  Never used outside bench/."""

from plenary.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load.urls"
# The surge is 200 simulated users from one loopback address and 200 accounts
# posting as fast as they can: the per-IP and per-account posting limits
# would measure the limiter, not the platform.  They are tested in tests/.
# A blank rate means no limit (plenary/ratelimit.py).
PLENARY_RATE_COMMENT_PER_ACCOUNT = ""
PLENARY_RATE_COMMENT_PER_IP = ""
ACCOUNT_RATE_LIMITS = False
