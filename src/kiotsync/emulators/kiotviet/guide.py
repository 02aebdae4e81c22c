"""Stateful emulator of the KiotViet Retail Public API (digest: specs/kiotviet-api.md).

One host serves ``POST /connect/token`` (id.kiotviet.vn) and the business API at the root
(public.kiotapi.com): branches, users, categories, products (+ bulk, attributes,
productOnHands), price books, customers, orders, invoices, sale channels, surcharges, settings
and webhooks. Several shops live side by side; a token only ever sees its own shop.

Control plane (besides the common reset/seed/faults/requests/config/clock/webhooks):

- ``POST /_emulator/seed`` ``{"preset": "demo"|"empty", "seed": 1, "retailer"?: str,
  "products"?: N, "variants_per_product"?: V, "code_prefix"?: "BK", "on_hand_max"?: 100}`` →
  ``{retailer, client_id, client_secret, retailer_id, branches, sale_channels, ...}``.
  Same seed → same shop; seeding an existing retailer name replaces that shop.
- ``GET /_emulator/shops`` — every loaded shop with its credentials.
- ``GET|PUT /_emulator/settings`` — shop flags (``allow_order``, ``use_delivery``,
  ``manage_cod``, ``allow_change_purchase_date``, ``allow_sell_when_out_stock``,
  ``allow_sell_when_order_out_stock``, ``allow_order_when_out_stock``,
  ``manager_customer_by_branch``) as the admin toggles them in *Thiết lập cửa hàng*.
- ``POST /_emulator/stock`` ``{product_id|code, branch_id, on_hand, cost?}`` — a stock-take
  (fires ``stock.update``).
- ``POST /_emulator/pos/orders`` / ``/pos/invoices`` — a cashier creates an order / sells at
  the POS (API-shaped body; ``lines`` may replace ``orderDetails``/``invoiceDetails``; the
  sale channel defaults to "Bán trực tiếp").
- ``POST /_emulator/orders/<id>/complete`` ``{delivery_status?, deliveryDetail?, lines?}`` —
  "Xử lý đơn hàng": invoice the order (optionally partly) with a delivery status.
- ``POST /_emulator/orders/<id>/cancel``, ``PUT /_emulator/orders/<id>`` — cancel / edit
  (e.g. ``{"status": 5}`` to confirm).
- ``POST /_emulator/invoices/<id>/delivery`` ``{status, ...}`` — advance the delivery;
  ``POST /_emulator/invoices/<id>/cancel``.
- ``POST /_emulator/products``, ``PUT|DELETE /_emulator/products/<id>`` — the admin edits
  goods (price, name, ``isActive``, ``inventories``...). ``POST /_emulator/products/bulk``
  ``{products, variants_per_product}`` — many products fast (benchmarks).
- ``POST /_emulator/pricebooks/detail`` ``{pricebook_id, product_id, price | delete}``,
  ``POST /_emulator/customers``, ``PUT|DELETE /_emulator/customers/<id>``,
  ``POST /_emulator/categories`` ``{name, parent_id?}``, ``POST /_emulator/salechannels``
  ``{name}``, ``POST /_emulator/branches``, ``POST /_emulator/branches/<id>/deactivate``.
- ``GET /_emulator/registered-webhooks`` — registrations incl. ``isActive`` and
  ``has_secret`` (secrets themselves are never shown).

Config (``PUT /_emulator/config``): ``rate_limit_get_per_hour`` (5000; 0 disables),
``rate_limit_window_s`` (3600), ``token_ttl_s`` (86400), ``page_size_max`` (100),
``page_size_default`` (20), ``webhook_signature`` ``{key: decoded|raw, encoding: hex|base64,
prefix: "sha1="|"sha256="|"", algorithm: sha256|sha1}``, ``webhook_retry_delays_s``
([60, 300, 1800, 3600]), ``webhook_max_attempts`` (5). Every guess about the real platform
is listed in ``docs/fidelity-kiotviet.md``.
"""

GUIDE: str = __doc__ or ""
