"""What "Your sessions" calls a browser: "Chrome on Linux", read from its User-Agent by ua-parser's kept rules."""

from functools import lru_cache

from ua_parser import parse

# The column keeps 300 characters; parsing no more bounds the rules' work on a crafted header.
MAX_PARSED = 300
UNKNOWN = "Other"


@lru_cache(maxsize=512)
def device_name(user_agent: str) -> str:
    """The browser and operating system as people name them, or "Unknown device"."""
    if not user_agent:
        return "Unknown device"
    result = parse(user_agent[:MAX_PARSED]).with_defaults()
    browser, system = result.user_agent.family, result.os.family
    if browser == UNKNOWN and system == UNKNOWN:
        return "Unknown device"
    if system == UNKNOWN:
        return browser
    if browser == UNKNOWN:
        return f"A browser on {system}"
    return f"{browser} on {system}"
