"""Carry out one planned order action on KiotViet or Haravan.

Each call is the documented endpoint with the body from :mod:`.wire`; the result tells the
sync what was created (id, line map) and which side changed (read again before the next plan).
Customers are found by phone (normalised, exact) before a creation; when none matches, the
order carries the customer inline and the platform creates it with the order (one write, so a
retried order never leaves a stray customer behind).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kiotsync.core import orders as core
from kiotsync.haravan.client import HaravanClient
from kiotsync.kiotviet.client import KiotVietClient

from . import wire

#: ``codPaymentMethod`` recorded on a KiotViet invoice when Haravan says COD was collected (guess).
COD_COLLECTED_METHOD = "Transfer"


class Customers(Protocol):
    """Where the executor finds a customer by phone (a mirror: no GET per order) and tells
    which customer KiotViet created with an order."""

    def find(self, phone: str, branch_id: int | None) -> int | None: ...

    def created(self, customer_id: int | None, phone: str, branch_id: int | None) -> None: ...


@dataclass
class Outcome:
    new_id: int | None = None
    code: str = ""
    line_map: dict[int, int] = field(default_factory=dict)
    hv_order: Mapping[str, Any] | None = None
    kv_order: Mapping[str, Any] | None = None
    touched_kv: bool = False
    touched_hv: bool = False


class Executor:
    def __init__(
        self,
        kv: Callable[[], KiotVietClient],
        hv: Callable[[], HaravanClient],
        *,
        hv_order_id: int | None,
        kv_order_id: int | None,
        branch_id: int | None,
        customers: Customers,
    ) -> None:
        self._kv = kv
        self._customers = customers
        self._hv = hv
        self.hv_order_id = hv_order_id
        self.kv_order_id = kv_order_id
        self.branch_id = branch_id

    def _hv_id(self) -> int:
        assert self.hv_order_id is not None, "no Haravan order to act on"
        return self.hv_order_id

    def run(self, action: core.OrderAction) -> Outcome:
        step = _STEPS.get(type(action))
        if step is None:
            raise TypeError(f"unknown order action {action!r}")
        return step(self, action)

    # -- KiotViet --------------------------------------------------------------------------
    def _cancel_kv_order(self, action: core.CancelKvOrder) -> Outcome:
        kv = self._kv()
        for invoice_id in action.invoice_ids:
            kv.cancel_invoice(invoice_id)
        kv.cancel_order(action.kv_order_id, void_payment=True)
        return Outcome(touched_kv=True)

    def _confirm_kv_order(self, action: core.ConfirmKvOrder) -> Outcome:
        order = self._kv().update_order(action.kv_order_id, {"status": 5})
        return Outcome(kv_order=order.raw, touched_kv=True)

    def _create_kv_invoice(self, action: core.CreateKvInvoice) -> Outcome:
        invoice = self._kv().create_invoice(wire.kv_invoice_body(action.draft, self.branch_id))
        return Outcome(new_id=invoice.id, code=invoice.code or "", touched_kv=True)

    def _set_kv_delivery(self, action: core.SetKvDelivery) -> Outcome:
        self._kv().update_invoice(action.invoice_id, {"deliveryDetail": {"status": action.delivery_status}})
        return Outcome(touched_kv=True)

    def _set_kv_cod_collected(self, action: core.SetKvCodCollected) -> Outcome:
        self._kv().update_invoice(action.invoice_id, {"codPaymentMethod": COD_COLLECTED_METHOD})
        return Outcome(touched_kv=True)

    # -- Haravan ---------------------------------------------------------------------------
    def _confirm_hv_order(self, action: core.ConfirmHvOrder) -> Outcome:
        return Outcome(hv_order=self._hv().confirm_order(self._hv_id()).raw, touched_hv=True)

    def _close_hv_order(self, action: core.CloseHvOrder) -> Outcome:
        return Outcome(hv_order=self._hv().close_order(self._hv_id()).raw, touched_hv=True)

    def _cancel_hv_order(self, action: core.CancelHvOrder) -> Outcome:
        cancelled = self._hv().cancel_order(self._hv_id(), reason=action.reason, restock=action.restock)
        return Outcome(hv_order=cancelled.raw, touched_hv=True)

    def _create_hv_fulfillment(self, action: core.CreateHvFulfillment) -> Outcome:
        f = self._hv().create_fulfillment(self._hv_id(), wire.hv_fulfillment_body(action))
        return Outcome(new_id=f.id, touched_hv=True)

    def _set_hv_carrier(self, action: core.SetHvCarrier) -> Outcome:
        self._hv().set_carrier_status(
            self._hv_id(),
            action.fulfillment_id,
            carrier_status_code=action.carrier,
            carrier_cod_status_code=action.cod,
        )
        return Outcome(touched_hv=True)

    def _capture_hv_payment(self, action: core.CaptureHvPayment) -> Outcome:
        self._hv().create_transaction(self._hv_id(), action.amount, "capture")
        return Outcome(touched_hv=True)

    def _adopt_pair(self, action: core.AdoptPair) -> Outcome:
        return Outcome()

    # -- creations ---------------------------------------------------------------------------
    def _create_kv_order(self, draft: core.KvOrderDraft) -> Outcome:
        kv = self._kv()
        phone = draft.customer.phone
        customer_id = self._customers.find(phone, draft.branch_id) if phone else None
        order = kv.create_order(wire.kv_order_body(draft, customer_id))
        if phone and customer_id is None:
            self._customers.created(order.customer_id, phone, draft.branch_id)  # made inline
        return Outcome(new_id=order.id, code=order.code or "", kv_order=order.raw, touched_kv=False)

    def _create_hv_order(self, draft: core.HvOrderDraft) -> Outcome:
        hv = self._hv()
        customer_id = None
        if draft.customer is not None and draft.customer.phone:
            found = hv.find_customers_by_phone(draft.customer.phone)
            customer_id = found[0].id if found else None
        order = hv.create_order(wire.hv_order_body(draft, customer_id))
        return Outcome(
            new_id=order.id, code=order.name or "", line_map=line_map(order.raw, draft), hv_order=order.raw
        )


def line_map(order: Mapping[str, Any], draft: core.HvOrderDraft) -> dict[int, int]:
    """Haravan line id → KiotViet product id, matching created lines to the draft by variant."""
    wanted = [(ln.variant_id, ln.kv_product_id) for ln in draft.lines]
    out: dict[int, int] = {}
    for item in order.get("line_items") or []:
        if not isinstance(item, Mapping):
            continue
        for i, (variant_id, product_id) in enumerate(wanted):
            if item.get("variant_id") == variant_id:
                out[int(item["id"])] = product_id
                wanted.pop(i)
                break
    return out


#: Action type → the executor step that carries it out.
_STEPS: dict[type, Callable[[Executor, Any], Outcome]] = {
    core.CreateKvOrder: lambda ex, a: ex._create_kv_order(a.draft),
    core.CancelKvOrder: Executor._cancel_kv_order,
    core.ConfirmKvOrder: Executor._confirm_kv_order,
    core.CreateKvInvoice: Executor._create_kv_invoice,
    core.SetKvDelivery: Executor._set_kv_delivery,
    core.SetKvCodCollected: Executor._set_kv_cod_collected,
    core.CreateHvOrder: lambda ex, a: ex._create_hv_order(a.draft),
    core.ConfirmHvOrder: Executor._confirm_hv_order,
    core.CloseHvOrder: Executor._close_hv_order,
    core.CancelHvOrder: Executor._cancel_hv_order,
    core.CreateHvFulfillment: Executor._create_hv_fulfillment,
    core.SetHvCarrier: Executor._set_hv_carrier,
    core.CaptureHvPayment: Executor._capture_hv_payment,
    core.AdoptPair: Executor._adopt_pair,
}
