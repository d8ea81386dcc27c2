"""The outbox: every e-mail the desk sends is a row written in the transaction that caused
it, delivered after commit, threaded on its case. Also the one claim, lease and retry loop
that other deliveries (webhooks) share."""
