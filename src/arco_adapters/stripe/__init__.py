"""Stripe: the payment gateway (`gateway`), webhook signatures and the subscription translation
(`webhooks`), events as the domain's `BillingEvent`s (`events`) and a stand-in that needs no account
(`sandbox`). The `stripe` SDK is imported nowhere else."""
