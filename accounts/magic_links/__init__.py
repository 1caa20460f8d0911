"""Magic links: a single-use, short-lived sign-in link mailed to the address, good only in the browser that asked."""

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    """Wire magic links into Accounts: their pages."""
    app.register_blueprint(bp)
