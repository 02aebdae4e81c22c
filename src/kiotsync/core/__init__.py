"""KiotSync's pure sync core: domain types and planners, standard library only, no I/O, no clock.

- :mod:`kiotsync.core.catalog` — products and stock (KiotViet → Haravan products, stock lines,
  Haravan → KiotViet transfer);
- :mod:`kiotsync.core.orders` — orders both ways (status map, planners, reasons);
- :mod:`kiotsync.core.text`, :mod:`kiotsync.core.numbers` — what both share.

The service layer translates wire data into these types, calls a planner, executes the returned
actions and stores what each action says to store. See docs/planner.md and docs/orders.md.
"""
