"""Small helpers shared by the API tests."""

import json


def comments_url(consultation) -> str:
    return f"/api/v1/consultations/{consultation.slug}/comments/"


def dispositions_url(receipt: str) -> str:
    return f"/api/v1/comments/{receipt}/dispositions/"


def streamed_json(response):
    """The JSON body of a streaming response (the ledger exports stream)."""
    return json.loads(b"".join(response.streaming_content))
