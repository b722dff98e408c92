"""Payslips delivered by email (``ecomdept send``, the 发送工资条 button).

settings (发送设置: 规则 rows or a config file; the password from the environment or the keyring)
→ recipients (who gets which file of the month's current run, read against the ledger)
→ messages (one message per employee: their own encrypted PDF) → smtp (one connection, a commit
point per message) → sending (throttle, retries, progress) → ledger (发放记录, written atomically
after every message, so a killed send resumes without sending anything twice).
"""
