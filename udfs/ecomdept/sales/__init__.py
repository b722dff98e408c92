"""Orders and the refund flow: KPIs, refund steps, regions."""
