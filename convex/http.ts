/**
 * HTTP routes, served at the deployment's site URL (`CONVEX_SITE_URL`; the local backend's
 * `backend.site_url`). Stripe posts its events to `POST /stripe/webhook`.
 */
import { httpRouter } from "convex/server";
import { ConvexError } from "convex/values";
import { internal } from "./_generated/api";
import { httpAction } from "./_generated/server";
import { completionOf, verifiedEvent } from "./model/stripe";

const http = httpRouter();

const reply = (status: number, body: unknown): Response => Response.json(body, { status });

/**
 * Stripe's webhook. A badly signed or stale request gets 400 and writes nothing; a paid
 * checkout completes the purchase named by `client_reference_id`, idempotently on the session
 * id, so redeliveries change nothing; other event types get 200 and are ignored. A purchase the
 * rules refuse (unknown, expired, completed by another session) gets 400 with the error, so
 * the failed delivery shows in Stripe's dashboard; anything else (an unset secret included) is
 * a 500 and Stripe retries.
 */
http.route({
  path: "/stripe/webhook",
  method: "POST",
  handler: httpAction(async (ctx, request) => {
    const secret = process.env.STRIPE_WEBHOOK_SECRET;
    if (!secret) {
      // The deployment's fault, not the request's: a 500 makes Stripe retry until it is set.
      console.error("STRIPE_WEBHOOK_SECRET is not set: `npx convex env set STRIPE_WEBHOOK_SECRET whsec_...`");
      return reply(500, { error: "STRIPE_WEBHOOK_SECRET is not set on this deployment" });
    }
    const verified = await verifiedEvent(await request.text(), request.headers.get("stripe-signature"), secret);
    if ("refused" in verified) return reply(400, { error: verified.refused });
    const completion = completionOf(verified.event);
    if (completion === null) return reply(200, { received: true, ignored: verified.event.type });
    if ("missing" in completion) return reply(400, { error: completion.missing });
    try {
      await ctx.runMutation(internal.purchases.completeCheckoutSession, completion);
    } catch (error) {
      if (error instanceof ConvexError) return reply(400, { error: error.data });
      throw error;
    }
    return reply(200, { received: true });
  }),
});

export default http;
