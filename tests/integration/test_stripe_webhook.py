"""The Stripe webhook (convex/http.ts) on the real local backend, started with its secret.

Events are signed with Stripe's scheme by examples/stripe_webhook.py (the signer is checked
against the `stripe` package's own verification first) and posted to `backend.site_url`. The
buyer is a real signed-in user (a verified development JWT), so "nothing written" is checked
through their own access as well as through the service.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
import stripe

from doctrina_sdk import Doctrina, LocalBackend
from doctrina_sdk.types import PurchaseId

pytestmark = pytest.mark.integration

SECRET = "whsec_test_webhook_suite"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "stripe_webhook.py"


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("stripe_webhook_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


example = _load_example()


@pytest.fixture(scope="module")
def webhook_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBackend]:
    data_dir = tmp_path_factory.mktemp("stripe-webhook")
    with LocalBackend.start(
        data_dir=data_dir, env={"STRIPE_WEBHOOK_SECRET": SECRET}, startup_timeout=120
    ) as b:
        yield b


@pytest.fixture(scope="module")
def service(webhook_backend: LocalBackend) -> Doctrina:
    return webhook_backend.client()


class Checkout:
    def __init__(self, backend: LocalBackend, service: Doctrina) -> None:
        run = uuid.uuid4().hex[:10]
        token = backend.dev_token(f"sub-{run}", claims={"email": f"buyer.{run}@clinic.example"})
        self.buyer = Doctrina(url=backend.url, auth_token=token)
        self.buyer_id = self.buyer.users.ensure_current().id
        self.course_id = example.publish_paid_course(service)
        self.purchase_id: PurchaseId = self.buyer.purchases.create_checkout(course_id=self.course_id).id
        self.session_id = f"cs_test_{run}"


@pytest.fixture
def checkout(webhook_backend: LocalBackend, service: Doctrina) -> Iterator[Checkout]:
    opened = Checkout(webhook_backend, service)
    yield opened
    opened.buyer.close()


def post(backend: LocalBackend, payload: bytes, signature: str | None) -> tuple[int, dict[str, object]]:
    if signature is None:
        response = httpx.post(f"{backend.site_url}/stripe/webhook", content=payload, timeout=30.0)
    else:
        response = example.post_event(backend, payload, signature)
    return response.status_code, response.json()


def assert_untouched(service: Doctrina, checkout: Checkout) -> None:
    purchase = service.purchases.get(checkout.purchase_id)
    assert purchase is not None
    assert purchase.status == "open"
    assert purchase.stripe_checkout_session_id is None
    assert checkout.buyer.purchases.has_access(checkout.course_id) is False
    assert list(checkout.buyer.notifications.list()) == []


def test_the_example_signs_as_stripe_verifies() -> None:
    payload = b'{"id": "evt_1"}'
    header = example.stripe_signature(payload, SECRET)
    assert stripe.WebhookSignature.verify_header(payload.decode(), header, SECRET, tolerance=300) is True


def test_a_valid_event_completes_the_purchase(
    webhook_backend: LocalBackend, service: Doctrina, checkout: Checkout
) -> None:
    payload = example.checkout_completed(checkout.purchase_id, checkout.session_id)
    status, body = post(webhook_backend, payload, example.stripe_signature(payload, SECRET))
    assert (status, body) == (200, {"received": True})
    purchase = service.purchases.get(checkout.purchase_id)
    assert purchase is not None
    assert purchase.status == "complete"
    assert purchase.stripe_checkout_session_id == checkout.session_id
    assert checkout.buyer.purchases.has_access(checkout.course_id) is True


def test_a_redelivered_event_applies_once(
    webhook_backend: LocalBackend, service: Doctrina, checkout: Checkout
) -> None:
    payload = example.checkout_completed(checkout.purchase_id, checkout.session_id)
    first_status, _ = post(webhook_backend, payload, example.stripe_signature(payload, SECRET))
    assert first_status == 200
    first = service.purchases.get(checkout.purchase_id)
    notifications = [n.title for n in checkout.buyer.notifications.list()]
    assert notifications == ["You're enrolled"]
    for _ in range(3):  # Stripe re-signs each redelivery with a fresh timestamp
        status, body = post(webhook_backend, payload, example.stripe_signature(payload, SECRET))
        assert (status, body) == (200, {"received": True})
    assert service.purchases.get(checkout.purchase_id) == first
    assert [n.title for n in checkout.buyer.notifications.list()] == notifications
    assert checkout.buyer.purchases.has_access(checkout.course_id) is True


def test_a_badly_signed_event_is_refused_and_writes_nothing(
    webhook_backend: LocalBackend, service: Doctrina, checkout: Checkout
) -> None:
    payload = example.checkout_completed(checkout.purchase_id, checkout.session_id)
    status, body = post(webhook_backend, payload, example.stripe_signature(payload, "whsec_wrong"))
    assert status == 400
    assert "No signatures found matching the expected signature" in str(body["error"])
    tampered = payload.replace(b'"paid"', b'"paid" ')
    status, _ = post(webhook_backend, tampered, example.stripe_signature(payload, SECRET))
    assert status == 400
    status, body = post(webhook_backend, payload, None)
    assert (status, body) == (400, {"error": "Missing Stripe-Signature header"})
    assert_untouched(service, checkout)


def test_a_stale_signature_is_refused_and_writes_nothing(
    webhook_backend: LocalBackend, service: Doctrina, checkout: Checkout
) -> None:
    payload = example.checkout_completed(checkout.purchase_id, checkout.session_id)
    ten_minutes_ago = int(time.time()) - 600  # Stripe's tolerance is 300 s
    status, body = post(webhook_backend, payload, example.stripe_signature(payload, SECRET, ten_minutes_ago))
    assert status == 400
    assert "Timestamp outside the tolerance zone" in str(body["error"])
    assert_untouched(service, checkout)


def test_other_event_types_are_acknowledged_and_ignored(
    webhook_backend: LocalBackend, service: Doctrina, checkout: Checkout
) -> None:
    payload = example.checkout_completed(checkout.purchase_id, checkout.session_id, event_type="invoice.paid")
    status, body = post(webhook_backend, payload, example.stripe_signature(payload, SECRET))
    assert (status, body) == (200, {"received": True, "ignored": "invoice.paid"})
    assert_untouched(service, checkout)


def test_an_event_naming_no_purchase_is_refused(webhook_backend: LocalBackend, checkout: Checkout) -> None:
    payload = example.checkout_completed(PurchaseId("not-a-purchase-id"), checkout.session_id)
    status, body = post(webhook_backend, payload, example.stripe_signature(payload, SECRET))
    assert status == 400
    assert body["error"] == {"code": "NOT_FOUND", "message": "Purchase not found", "id": "not-a-purchase-id"}


def test_start_env_reaches_functions_through_the_engine(webhook_backend: LocalBackend) -> None:
    env = (webhook_backend.data_dir / "env.json").read_text()
    assert SECRET in env
