"""One month end to end: the engine, the batch pipeline with its lock, period checks, and the sample generator."""
