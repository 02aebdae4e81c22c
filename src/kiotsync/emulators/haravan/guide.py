"""Stateful emulator of the Haravan platform (accounts/OIDC, ``/com`` REST API, app webhooks).

One host:port serves what production splits over three hosts, on the real paths:
``/connect/*`` + ``/.well-known/openid-configuration`` (+ ``/jwks``) of accounts.haravan.com,
``/com/*.json`` of apis.haravan.com and ``/api/subscribe`` of webhook.haravan.com. Rules follow
../shared/specs/haravan-api.md; every guess is listed in docs/fidelity-haravan.md.

Control plane (JSON; besides the common reset/seed/faults/requests/config/clock/webhooks):
- ``POST /_emulator/seed`` ``{"preset": "demo"|"empty", "seed": 1, "app": {client_id?, client_secret?,
  name?, redirect_uris, webhook_url?, webhook_verify_token?, topics?, verify?}, "shop": {name?, orgsub?,
  orgid?, owner_email?, owner_password?, staff_email?, staff_password?, locations?: [names]},
  "bulk": {products, variants_per_product, sku_prefix, stock}}`` → client_id, client_secret, orgid,
  orgname, orgsub, owner/staff {email, password}, locations. Same app client_id → another shop.
- ``GET|POST /_emulator/apps`` — the partner dashboard: register/update an app. Saving a webhook URL
  runs the ``hub.challenge`` handshake through the dispatcher's transport; a wrong echo → 422 and the
  app is left unchanged (``"verify": false`` skips the handshake).
- ``POST /_emulator/uninstall {orgid, client_id}`` — the owner removes the app: ``app/uninstalled`` is
  delivered (if subscribed), tokens are revoked, the subscription ends.
- ``POST /_emulator/emit {orgid, topic, id?, client_id?, payload?}`` — send a webhook on demand.
- ``GET /_emulator/shops``, ``GET /_emulator/shops/<orgid>`` — shops, installs, subscriptions.
- ``GET|POST|PUT|DELETE /_emulator/shops/<orgid>/com/<path>`` — any ``/com`` call as the shop admin.
- ``POST /_emulator/shops/<orgid>/web_orders`` — a storefront checkout (``source: web``; lines by
  ``variant_id`` or ``sku``; COD unless a ``gateway`` is given).
- ``POST /_emulator/shops/<orgid>/orders/<id>/fulfill|carrier|cancel|pay`` — fulfil (default carrier
  GHN, COD amount = outstanding), advance ``carrier_status_code``/``carrier_cod_status_code``,
  cancel (restock by default), capture a payment.
- ``POST /_emulator/shops/<orgid>/inventory`` — change stock in the admin (lines by ``sku`` or
  ``variant_id``; same rules as ``adjustorset``).
- ``PUT /_emulator/config`` — ``bucket_size``, ``leak_rate``, ``rate_limit_enabled``,
  ``access_token_ttl``, ``refresh_token_ttl``, ``rotate_refresh_tokens``, ``code_ttl``,
  ``auto_approve`` ({email, orgid?, decision?} or null: authorize answers at once as that user),
  ``webhook_retry_delays``, ``webhook_signing`` (valid|invalid|none), ``orders_default_status``,
  ``cancel_releases_committed``, ``variant_inventory_writes``, ``max_page_limit``.
"""

GUIDE: str = __doc__ or ""
