"""Issue 11: every site's JSON answers go through orjson and say what Flask's own encoder says."""

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider

from common.json_provider import OrjsonProvider


@dataclasses.dataclass
class Point:
    x: int
    at: datetime


PAYLOAD = {
    "zeta": 1,
    "alpha": [True, None, 1.5, "text"],
    "nested": {"b": 2, "a": {"d": 4, "c": 3}},
    "when": datetime(2026, 12, 7, 23, 0, 5, tzinfo=UTC),
    "day": date(2026, 12, 7),
    "amount": Decimal("12.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "point": Point(1, datetime(2026, 1, 2, 3, 4, 5)),
    "name": "Zoë — “quoted” </script>",
}


def answer(provider_class, payload=PAYLOAD, *, debug=False):
    app = Flask(__name__)
    app.json = provider_class(app)
    app.debug = debug
    with app.app_context():
        return jsonify(payload)


def test_the_answer_is_the_json_flasks_own_encoder_writes():
    ours, flasks = answer(OrjsonProvider), answer(DefaultJSONProvider)
    assert ours.mimetype == flasks.mimetype == "application/json"
    assert json.loads(ours.data) == json.loads(flasks.data)
    assert ours.data.endswith(b"\n")


def test_dates_keep_flasks_forms_not_orjsons():
    body = json.loads(answer(OrjsonProvider).data)
    assert body["when"] == "Mon, 07 Dec 2026 23:00:05 GMT"  # an HTTP date, as Flask writes it
    assert body["day"] == "Mon, 07 Dec 2026 00:00:00 GMT"
    assert body["amount"] == "12.50" and body["id"] == "12345678-1234-5678-1234-567812345678"
    assert body["point"] == {"x": 1, "at": "Fri, 02 Jan 2026 03:04:05 GMT"}


def test_keys_are_sorted_and_the_output_compact():
    data = answer(OrjsonProvider, {"b": 1, "a": {"d": 2, "c": 3}}).data
    assert data == b'{"a":{"c":3,"d":2},"b":1}\n'


def test_text_is_utf8_rather_than_escapes():
    assert "Zoë — “quoted”".encode() in answer(OrjsonProvider).data


def test_debug_answers_stay_indented_for_people():
    assert answer(OrjsonProvider, {"a": 1}, debug=True).data == b'{\n  "a": 1\n}\n'


def test_every_site_answers_through_it(site):
    assert isinstance(site.json, OrjsonProvider)
    assert site.test_client().get("/readyz").data.startswith(b"{")
