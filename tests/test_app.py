"""Issue 12 §11: `make run` with a busy port stops loudly, naming the port and the variable that moves it."""

import socket
import threading

import pytest
import requests
from flask import Flask

from app import bind


def test_a_busy_port_stops_start_up_with_the_port_and_the_variable():
    app = Flask(__name__)
    app.config["SITE_NAME"] = "Acme"
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            bind(app, f"http://127.0.0.1:{port}", "ACME_URL")
    message = str(stopped.value.code)
    assert f"127.0.0.1:{port}" in message
    assert "ACME_URL=http://127.0.0.1:" in message
    assert message.startswith("Cannot start Acme")  # a string code: Python prints it and exits with status 1


def test_a_free_port_is_bound_before_anything_says_running_and_serves():
    app = Flask(__name__)
    app.config["SITE_NAME"] = "Acme"
    app.get("/")(lambda: "hello")
    server = bind(app, "http://127.0.0.1:0", "ACME_URL")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.socket.getsockname()[1]
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=5).text == "hello"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
