/**
 * Stripe webhook events: verified with the `stripe` package in Convex's default runtime
 * (`constructEventAsync` with the SubtleCrypto provider: Web Crypto, no Node `crypto`), and
 * the purchase completion an event asks for.
 */
import Stripe from "stripe";

const cryptoProvider = Stripe.createSubtleCryptoProvider();

/** The event the payload carries, or the reason it is refused (no, bad or stale signature). */
export async function verifiedEvent(
  payload: string,
  signature: string | null,
  secret: string,
): Promise<{ event: Stripe.Event } | { refused: string }> {
  if (signature === null) return { refused: "Missing Stripe-Signature header" };
  try {
    // Default tolerance: a signature more than 300 s old is refused (replays).
    return { event: await Stripe.webhooks.constructEventAsync(payload, signature, secret, undefined, cryptoProvider) };
  } catch (error) {
    return { refused: `Webhook signature verification failed: ${(error as Error).message}` };
  }
}

export type Completion = { clientReferenceId: string; stripeCheckoutSessionId: string };

/**
 * The purchase a paid checkout completes, or null for events that complete nothing: other
 * types, and a completed session still `unpaid` (a delayed payment method; its
 * `checkout.session.async_payment_succeeded` follows and completes it then).
 */
export function completionOf(event: Stripe.Event): Completion | { missing: string } | null {
  if (event.type !== "checkout.session.completed" && event.type !== "checkout.session.async_payment_succeeded") return null;
  const session = event.data.object;
  if (session.payment_status === "unpaid") return null;
  if (!session.client_reference_id) return { missing: `Checkout session ${session.id} has no client_reference_id` };
  return { clientReferenceId: session.client_reference_id, stripeCheckoutSessionId: session.id };
}
