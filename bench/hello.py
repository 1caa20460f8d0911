"""The yardstick: a bare Flask app answering one short text response, served like the Gatehouse sites."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """The cheapest answer Flask can give: what every other row of the bench is compared to."""
    return "Hello, World!"
