"""A service's test of the Stripe webhook (`POST /stripe/webhook` in convex/http.ts).

It starts the embedded backend with a webhook secret, opens a checkout for a paid course,
then posts what Stripe would post once the customer paid: a `checkout.session.completed`
event whose `client_reference_id` is the purchase, signed with the secret the way Stripe
signs (https://docs.stripe.com/webhooks#verify-manually). A redelivery changes nothing; a
request signed with another secret is refused with 400 and writes nothing.

Run: python examples/stripe_webhook.py
"""

from __future__ import annotations

import hashlib
import hmac
import json
import tempfile
import time
import uuid
from datetime import date

import httpx

from doctrina_sdk import Doctrina, LocalBackend
from doctrina_sdk.types import CourseId, PurchaseId

WEBHOOK_SECRET = "whsec_test_123"


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>">`."""
    signed_at = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{signed_at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={signed_at},v1={digest}"


def checkout_completed(
    purchase_id: PurchaseId, session_id: str, *, event_type: str = "checkout.session.completed"
) -> bytes:
    """The event body Stripe sends for a paid Checkout session (the fields the webhook reads)."""
    event = {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "client_reference_id": purchase_id,
                "payment_status": "paid",
                "status": "complete",
                "mode": "payment",
            }
        },
    }
    return json.dumps(event).encode()


def post_event(backend: LocalBackend, payload: bytes, signature: str) -> httpx.Response:
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
    return httpx.post(f"{backend.site_url}/stripe/webhook", content=payload, headers=headers, timeout=30.0)


def publish_paid_course(service: Doctrina) -> CourseId:
    """A paid course, published by a newly approved instructor."""
    run = uuid.uuid4().hex[:8]
    jane = service.users.create(first_name="Jane", last_name="Doe", email=f"jane.{run}@clinic.example")
    as_jane = service.acting_as(jane.id)
    application = as_jane.instructor_applications.submit(
        license_number="RN123456", license_state="CA", license_expiry=date(2030, 1, 31),
        insurance_provider="MedPro", documents=["https://files.example/license.pdf"],
    )  # fmt: skip
    service.instructor_applications.approve(application.id)
    course = as_jane.courses.create(
        title="Filler Fundamentals", description="Hyaluronic acid fillers", category="fillers", price=29900
    )
    module = as_jane.course_modules.create(course_id=course.id, title="Basics")
    as_jane.lessons.create(module_id=module.id, title="Products", type="document", content="HA fillers")
    as_jane.courses.publish(course.id)
    return course.id


def main(backend: LocalBackend) -> None:
    service = backend.client()
    course_id = publish_paid_course(service)
    bob = service.users.create(
        first_name="Bob", last_name="Lee", email=f"bob.{uuid.uuid4().hex[:8]}@clinic.example"
    )
    as_bob = service.acting_as(bob.id)
    purchase_id = as_bob.purchases.create_checkout(course_id=course_id).id
    payload = checkout_completed(purchase_id, session_id="cs_test_example")

    forged = post_event(backend, payload, stripe_signature(payload, "whsec_someone_else"))
    print("forged:", forged.status_code, forged.json())
    assert forged.status_code == 400
    untouched = service.purchases.get(purchase_id)
    assert untouched is not None
    assert untouched.status == "open"

    for delivery in (1, 2):  # Stripe redelivers until it sees a 2xx; the second changes nothing
        response = post_event(backend, payload, stripe_signature(payload, WEBHOOK_SECRET))
        print(f"delivery {delivery}:", response.status_code, response.json())
        assert response.status_code == 200
    purchase = service.purchases.get(purchase_id)
    assert purchase is not None
    print("purchase:", purchase.status, purchase.stripe_checkout_session_id)
    assert purchase.status == "complete"
    assert as_bob.purchases.has_access(purchase.course_id)


if __name__ == "__main__":
    with (
        tempfile.TemporaryDirectory() as data_dir,
        LocalBackend.start(data_dir=data_dir, env={"STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET}) as local,
    ):
        main(local)
