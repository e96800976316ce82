/**
 * convex/http.ts under convex-test: the Stripe webhook's decisions (its HTTP serving by the
 * local backend is tested in tests/integration/test_stripe_webhook.py). Events are signed with
 * the `stripe` package's own test helper.
 */
import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { insertLearningCourse, setup, useScheduler, type World } from "./fixtures";

useScheduler();

const SECRET = "whsec_convex_test";
const cryptoProvider = Stripe.createSubtleCryptoProvider();

beforeEach(() => {
  process.env.STRIPE_WEBHOOK_SECRET = SECRET;
});
afterEach(() => {
  delete process.env.STRIPE_WEBHOOK_SECRET;
});

function event(type: string, session: Record<string, unknown>): string {
  return JSON.stringify({ id: "evt_1", object: "event", type, data: { object: { object: "checkout.session", ...session } } });
}

async function deliver(world: World, payload: string, secret = SECRET, timestamp?: number) {
  const signature = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, timestamp, cryptoProvider });
  const response = await world.t.fetch("/stripe/webhook", { method: "POST", body: payload, headers: { "stripe-signature": signature } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function openCheckout(world: World): Promise<Id<"purchases">> {
  const { courseId } = await insertLearningCourse(world, { price: 49900 });
  return (await world.as.student.mutation(api.purchases.createCheckout, { courseId }))._id;
}

const purchase = (world: World, id: Id<"purchases">) => world.t.run(async (ctx) => await ctx.db.get(id));

describe("POST /stripe/webhook", () => {
  test("a paid checkout.session.completed completes the purchase named by client_reference_id, once", async () => {
    const world = await setup();
    const id = await openCheckout(world);
    const payload = event("checkout.session.completed", { id: "cs_paid", client_reference_id: id, payment_status: "paid" });
    expect(await deliver(world, payload)).toEqual({ status: 200, body: { received: true } });
    const completed = await purchase(world, id);
    expect(completed).toMatchObject({ status: "complete", stripeCheckoutSessionId: "cs_paid" });
    expect(await deliver(world, payload)).toEqual({ status: 200, body: { received: true } });
    expect(await purchase(world, id)).toEqual(completed);
  });

  test("bad and stale signatures are refused and write nothing", async () => {
    const world = await setup();
    const id = await openCheckout(world);
    const payload = event("checkout.session.completed", { id: "cs_x", client_reference_id: id, payment_status: "paid" });
    expect((await deliver(world, payload, "whsec_other")).status).toBe(400);
    expect((await deliver(world, payload, SECRET, Math.floor(Date.now() / 1000) - 600)).status).toBe(400);
    expect(await purchase(world, id)).toMatchObject({ status: "open" });
  });

  test("other events and unpaid sessions are acknowledged and ignored", async () => {
    const world = await setup();
    const id = await openCheckout(world);
    const unpaid = event("checkout.session.completed", { id: "cs_u", client_reference_id: id, payment_status: "unpaid" });
    expect(await deliver(world, unpaid)).toEqual({ status: 200, body: { received: true, ignored: "checkout.session.completed" } });
    const other = event("customer.created", { id: "cus_1" });
    expect(await deliver(world, other)).toEqual({ status: 200, body: { received: true, ignored: "customer.created" } });
    expect(await purchase(world, id)).toMatchObject({ status: "open" });
  });

  test("a session the purchase rules refuse is a 400 with the error", async () => {
    const world = await setup();
    const missing = event("checkout.session.completed", { id: "cs_m", payment_status: "paid" });
    expect(await deliver(world, missing)).toEqual({ status: 400, body: { error: "Checkout session cs_m has no client_reference_id" } });
    const unknown = event("checkout.session.completed", { id: "cs_n", client_reference_id: "nope", payment_status: "paid" });
    expect(await deliver(world, unknown)).toMatchObject({ status: 400, body: { error: { code: "NOT_FOUND" } } });
  });

  test("without STRIPE_WEBHOOK_SECRET it answers 500 so Stripe retries", async () => {
    const world = await setup();
    delete process.env.STRIPE_WEBHOOK_SECRET;
    const response = await world.t.fetch("/stripe/webhook", { method: "POST", body: "{}", headers: { "stripe-signature": "t=1,v1=x" } });
    expect(response.status).toBe(500);
  });
});
