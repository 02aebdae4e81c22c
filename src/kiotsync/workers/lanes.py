"""Lanes by urgency (issue 11): a task's Huey priority, higher first. Both queues honour it
(SqliteHuey natively; on Redis the app runs ``PriorityRedisHuey``), so an order or a stock
change queued behind a morning of catalogue jobs is taken next, not after them.

| lane | what | why there |
|---|---|---|
| ORDERS | an order's sync | a sale not recorded sells the same units twice |
| WEBHOOKS | a stored webhook's processing | it carries orders and stock changes |
| STOCK | a shop's stock flush | Haravan sells what it shows |
| TOKENS | a shop's token renewal | every call of the shop needs it |
| PRODUCTS | a product group's sync (Auto-sync) | a product change |
| JOBS | Sync now, Chuyển dữ liệu, mirrors, past orders | long, asked for, shown with progress |
| BACKSTOP | per-shop polls, registration checks | they find what webhooks missed |
| RECONCILE | reconciliation | the slowest and least urgent |
"""

from __future__ import annotations

ORDERS = 100
WEBHOOKS = 90
STOCK = 80
TOKENS = 70
PRODUCTS = 60
JOBS = 30
BACKSTOP = 20
RECONCILE = 10
