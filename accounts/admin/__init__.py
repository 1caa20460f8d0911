"""Admin console (SPEC §2.7): users list, user page, ban and other actions, security dashboard."""
