"""Processing at Haravan, a Haravan-born order: it is created once in KiotViet (reserving its
stock in the order branch) and from then on Haravan's statuses drive the KiotViet order.

``plan_haravan_order_at_haravan(hv, kv, memory, settings, targets, skip, forced, recreate)``:

* no KiotViet order yet → ``CreateKvOrder``, exactly as when KiotViet processes orders
  (:func:`.plan_haravan_order.plan_kv_creation`: lines through the product links, customer,
  delivery, COD or prepaid amount, marker ``[HRV:<id>]``), or the reason it cannot be made;
* KiotViet order exists → Haravan drives it (:mod:`.follow_haravan`): confirmed → status 5;
  each live fulfilment → an invoice from the order (KiotViet takes the stock then); carrier and
  COD progress → the invoice; money Haravan captured → recorded on the invoice; cancelled → the
  KiotViet invoices and order cancelled (the reservation is released);
* nothing KiotViet does to the order is pushed back: Haravan is the master of its own orders. A
  KiotViet cancellation (the order is open on Haravan) is an error for the merchant to decide
  (:attr:`.OrderReasonCode.KV_CANCELLED_HV_OPEN`): cancelling on Haravan settles it; the
  merchant's "Đồng bộ sang KiotViet" (``recreate``) creates the KiotViet order again, the
  cancelled one left as it is (once no invoice of it is live:
  :attr:`.OrderReasonCode.KV_CANCELLED_INVOICED` until then).
"""

from __future__ import annotations

from collections.abc import Mapping

from .actions import CreateKvOrder
from .domain import HvOrder, KvOrder, KvTarget, Memory, OrderSettings
from .follow_haravan import cancel_kiotviet, follow_haravan
from .plan import Plan
from .plan_haravan_order import draft_kv_order, plan_kv_creation
from .reasons import OrderReason, OrderReasonCode
from .status_map import KvOrderState

__all__ = ["plan_haravan_order_at_haravan"]


def plan_haravan_order_at_haravan(
    hv: HvOrder,
    kv: KvOrder | None,
    memory: Memory,
    settings: OrderSettings,
    targets: Mapping[int, KvTarget | None],
    *,
    skip: OrderReason | None = None,
    forced: bool = False,
    recreate: bool = False,
) -> Plan:
    if kv is None:
        return plan_kv_creation(hv, settings, targets, skip, forced)
    state = kv.state
    if hv.cancelled:
        return Plan() if state == KvOrderState.CANCELLED else cancel_kiotviet(kv, memory)
    if state == KvOrderState.CANCELLED:
        if memory.kv_cancel_pushed:
            return Plan()  # KiotSync cancelled it for Haravan's cancellation (a stale view)
        if recreate:
            return _create_again(hv, kv, settings, targets)
        return Plan(reason=OrderReason.of(OrderReasonCode.KV_CANCELLED_HV_OPEN, code=kv.code, name=hv.name))
    return Plan(actions=follow_haravan(kv, hv, memory))


def _create_again(
    hv: HvOrder, kv: KvOrder, settings: OrderSettings, targets: Mapping[int, KvTarget | None]
) -> Plan:
    """The whole order again, in a new KiotViet order that Haravan then drives from scratch — not
    while an invoice of the cancelled one is live (its goods left the stock already: a new order
    would reserve and, once Haravan fulfils, sell them a second time)."""
    if kv.live_invoices:
        codes = ", ".join(i.code for i in kv.live_invoices)
        return Plan(
            reason=OrderReason.of(
                OrderReasonCode.KV_CANCELLED_INVOICED, code=kv.code, name=hv.name, invoices=codes
            )
        )
    draft = draft_kv_order(hv, settings, targets)
    if isinstance(draft, OrderReason):
        return Plan(reason=draft)
    return Plan(actions=(CreateKvOrder(draft, replaces=kv.id),))
