"""Continuous reconciliation ("Đối soát"): per shop, within the rate budgets, both platforms are
compared with the promise (docs/invariants.md); each drift is recorded with its cause in words,
healed when KiotSync may (Auto-sync on), and otherwise left for the merchant with a one-click fix.
It is the polling backstop done right: after a missed webhook or a crash the shop converges
within one cycle."""
