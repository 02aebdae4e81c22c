"""A pure model of both platforms for the order planners' property tests.

``apply_action`` does what KiotViet / Haravan do when KiotSync calls them (the emulators' rules,
reduced to the fields the planners read); ``apply_event`` is what the merchant, a cashier or a
carrier does on the processing side. ``sync`` is the service loop: plan, apply, remember, repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from kiotsync.core import orders as core
from kiotsync.core.orders.status_map import COD_COLLECTED

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
PRICE = Decimal(150000)


@dataclass
class World:
    origin: core.Origin
    hv: core.HvOrder | None
    kv: core.KvOrder | None
    memory: core.Memory = field(default_factory=core.Memory)
    next_id: int = 9000
    executed: list[Any] = field(default_factory=list)
    #: Where a Haravan-born order is processed (a KiotViet-born one always at Haravan).
    side: core.Side = core.Side.KIOTVIET
    #: The merchant pressed "Đồng bộ sang KiotViet" on an order KiotViet cancelled (at Haravan).
    recreate: bool = False
    #: KiotViet orders KiotViet cancelled and KiotSync created again (processing at Haravan).
    replaced: list[core.KvOrder] = field(default_factory=list)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


SETTINGS = core.OrderSettings(branch_id=1, location_id=5, sale_channel_id=7, shipping_surcharge_id=8)


def hv_order(
    lines: int = 2, qty: int = 1, cod: bool = True, paid: Decimal = Decimal(0), ship: int = 30000
) -> core.HvOrder:
    hv_lines = tuple(
        core.HvLine(100 + i, 200 + i, f"SKU-{i}", "", f"Sản phẩm {i}", "", qty, PRICE) for i in range(lines)
    )
    total = PRICE * qty * lines + ship
    return core.HvOrder(
        id=1,
        name="#1001",
        created_at=T0,
        updated_at=T0,
        is_cod=cod,
        total_price=total,
        shipping_fee=Decimal(ship),
        paid=paid,
        financial_status="paid" if paid >= total else "pending",
        customer_name="Nguyễn Văn An",
        customer_phone="0987654321",
        shipping=core.Address("Nguyễn Văn An", "0987654321", "1 Lê Lợi", "P1", "Q1", "HCM"),
        lines=hv_lines,
    )


def kv_targets(hv: core.HvOrder) -> dict[int, core.KvTarget | None]:
    return {ln.id: core.KvTarget(300 + (ln.id - 100), f"KV-{ln.id}", ln.title) for ln in hv.lines}


def kv_order(lines: int = 2, qty: int = 1, paid: Decimal = Decimal(0), cod: bool = False) -> core.KvOrder:
    kv_lines = tuple(core.KvLine(300 + i, f"KV-{i}", f"Hàng {i}", Decimal(qty), PRICE) for i in range(lines))
    return core.KvOrder(
        id=50,
        code="DH000050",
        status=1,
        branch_id=1,
        total=PRICE * qty * lines,
        paid=paid,
        using_cod=cod,
        created_at=T0,
        modified_at=T0,
        customer_name="Trần Bình",
        customer_phone="0911222333",
        lines=kv_lines,
        delivery=core.Address("Trần Bình", "0911222333", "5 Trần Phú", "P2", "Hà Nội - Ba Đình"),
    )


def hv_targets(kv: core.KvOrder) -> dict[int, core.HvTarget | None]:
    return {ln.product_id: core.HvTarget(ln.product_id + 1000, 77) for ln in kv.lines}


# -- the platforms answering KiotSync ---------------------------------------------------------
def _kv_status_after_invoices(kv: core.KvOrder) -> int:
    if kv.status == 4:
        return 4
    invoiced: dict[int, Decimal] = {}
    for inv in kv.live_invoices:
        for ln in inv.lines or kv.lines:
            invoiced[ln.product_id] = invoiced.get(ln.product_id, Decimal(0)) + ln.quantity
    if not invoiced:
        return kv.status if kv.status in (1, 5) else 1
    done = all(invoiced.get(ln.product_id, 0) >= ln.quantity for ln in kv.lines)
    return 3 if done else 2


def _hv_fulfillment_status(hv: core.HvOrder) -> str:
    remaining = [hv.remaining(ln.id) for ln in hv.lines]
    if all(r == 0 for r in remaining):
        return "fulfilled"
    if any(r < ln.quantity for r, ln in zip(remaining, hv.lines, strict=True)):
        return "partial"
    return "notfulfilled"


def _hv_paid(hv: core.HvOrder, paid: Decimal) -> core.HvOrder:
    status = "paid" if paid >= hv.total_price else ("partially_paid" if paid > 0 else hv.financial_status)
    return replace(hv, paid=paid, financial_status=status)


def apply_action(w: World, action: core.OrderAction) -> None:
    new_id: int | None = None
    line_map: dict[int, int] | None = None
    if isinstance(action, core.CreateKvOrder):
        d = action.draft
        if action.replaces is None:
            assert w.kv is None, "a second KiotViet order"
        else:
            assert w.kv is not None and w.kv.id == action.replaces, "replaces another order"
            assert w.kv.state == core.KvOrderState.CANCELLED and w.recreate, "created again unasked"
            w.replaced.append(w.kv)
            w.recreate = False
        lines = tuple(core.KvLine(ln.product_id, ln.code, ln.code, ln.quantity, ln.price) for ln in d.lines)
        total = sum((ln.quantity * ln.price for ln in lines), Decimal(0)) - d.discount + d.shipping_fee
        w.kv = core.KvOrder(
            id=w.new_id(),
            code="DH1",
            status=1,
            total=total,
            paid=d.prepaid,
            using_cod=d.using_cod,
            description=d.description,
            lines=lines,
            branch_id=d.branch_id,
        )
    elif isinstance(action, core.CreateHvOrder):
        d = action.draft
        assert w.hv is None, "a second Haravan order"
        lines = tuple(
            core.HvLine(w.new_id(), ln.variant_id, "", "", ln.title, "", ln.quantity, ln.price)
            for ln in d.lines
        )
        total = sum((ln.price * ln.quantity for ln in lines), Decimal(0)) - d.discount + d.shipping_fee
        hv = core.HvOrder(
            id=w.new_id(),
            name="#2001",
            total_price=total,
            is_cod=d.is_cod,
            lines=lines,
            note_attributes=((core.HV_MARKER_ATTRIBUTE, d.kv_code),),
            source=core.HV_SOURCE,
        )
        w.hv = _hv_paid(hv, d.paid)
        line_map = {hl.id: dl.kv_product_id for hl, dl in zip(lines, d.lines, strict=True)}
    elif isinstance(action, core.CancelKvOrder):
        assert w.kv is not None
        invoices = tuple(replace(i, status=2) if i.id in action.invoice_ids else i for i in w.kv.invoices)
        assert w.kv.state != core.KvOrderState.COMPLETED or action.invoice_ids, "KiotViet refuses"
        w.kv = replace(w.kv, status=4, invoices=invoices)
    elif isinstance(action, core.ConfirmKvOrder):
        assert w.kv is not None and w.kv.status in (1, 5)
        w.kv = replace(w.kv, status=5)
    elif isinstance(action, core.CreateKvInvoice):
        assert w.kv is not None and w.kv.status not in (3, 4)
        d = action.draft
        new_id = w.new_id()
        lines = d.lines and tuple(
            core.KvLine(ln.product_id, ln.code, ln.code, ln.quantity, ln.price) for ln in d.lines
        )
        inv = core.KvInvoice(
            id=new_id,
            code=f"HD{new_id}",
            status=1 if d.delivery_status == 3 else 3,
            delivery_status=d.delivery_status,
            using_cod=d.using_cod,
            cod_amount=d.cod_amount,
            total=w.kv.total,
            paid=d.paid,
            description=d.description,
            lines=lines or (),
        )
        kv = replace(w.kv, invoices=(*w.kv.invoices, inv))
        w.kv = replace(kv, status=_kv_status_after_invoices(kv))
    elif isinstance(action, core.SetKvDelivery):
        assert w.kv is not None
        w.kv = replace(
            w.kv,
            invoices=tuple(
                replace(
                    i,
                    delivery_status=action.delivery_status,
                    status=1 if action.delivery_status == 3 else i.status,
                )
                if i.id == action.invoice_id
                else i
                for i in w.kv.invoices
            ),
        )
    elif isinstance(action, core.SetKvCodCollected):
        assert w.kv is not None
        w.kv = replace(
            w.kv,
            invoices=tuple(
                replace(i, cod_method="Transfer") if i.id == action.invoice_id else i for i in w.kv.invoices
            ),
        )
    elif isinstance(action, core.ConfirmHvOrder):
        assert w.hv is not None and not w.hv.cancelled
        w.hv = replace(w.hv, confirmed=True)
    elif isinstance(action, core.CreateHvFulfillment):
        assert w.hv is not None and not w.hv.cancelled
        new_id = w.new_id()
        lines = action.lines or tuple(
            (ln.id, w.hv.remaining(ln.id)) for ln in w.hv.lines if w.hv.remaining(ln.id) > 0
        )
        assert lines and all(q <= w.hv.remaining(lid) for lid, q in lines), "nothing left to fulfil"
        f = core.HvFulfillment(
            new_id,
            "success",
            action.carrier or "pending",
            action.cod if action.cod_amount > 0 else "none",
            action.cod_amount,
            note=action.note,
            lines=lines,
        )
        hv = replace(w.hv, fulfillments=(*w.hv.fulfillments, f))
        w.hv = replace(hv, fulfillment_status=_hv_fulfillment_status(hv))
    elif isinstance(action, core.SetHvCarrier):
        assert w.hv is not None
        fs = []
        for f in w.hv.fulfillments:
            if f.id == action.fulfillment_id:
                f = replace(f, carrier=action.carrier or f.carrier, cod=action.cod or f.cod)
            fs.append(f)
        w.hv = replace(w.hv, fulfillments=tuple(fs))
    elif isinstance(action, core.CaptureHvPayment):
        assert w.hv is not None and action.amount <= w.hv.outstanding
        w.hv = _hv_paid(w.hv, w.hv.paid + action.amount)
    elif isinstance(action, core.CancelHvOrder):
        assert w.hv is not None and not w.hv.cancelled, "Haravan refuses a second cancel"
        fs = tuple(replace(f, status="cancelled", carrier="cancel") for f in w.hv.fulfillments)
        w.hv = replace(w.hv, cancelled=True, fulfillments=fs)
    elif isinstance(action, core.CloseHvOrder):
        assert w.hv is not None
        w.hv = replace(w.hv, closed=True)
    w.memory = core.remember(w.memory, action, new_id=new_id, line_map=line_map)
    w.executed.append(action)


# -- people acting on the platforms -----------------------------------------------------------
def apply_event(w: World, event: tuple[str, int]) -> None:
    """``(kind, n)``: what a person does. Impossible moves (cancelled order…) are ignored."""
    kind, n = event
    kv, hv = w.kv, w.hv
    if kind == "resync":  # the merchant's "Đồng bộ sang KiotViet" on the order's error
        reason = plan(w).reason
        w.recreate = w.recreate or (reason is not None and reason.code in ASK_TO_CREATE_AGAIN)
    elif kind == "kv_confirm" and kv is not None and kv.status == 1:
        w.kv = replace(kv, status=5)
    elif kind == "kv_invoice" and kv is not None and kv.status not in (3, 4):
        inv_id = w.new_id()
        status = [1, 2, 3, 7][n % 4]
        inv = core.KvInvoice(
            inv_id,
            f"HD{inv_id}",
            1 if status == 3 else 3,
            status,
            using_cod=kv.using_cod or n % 2 == 0,
            cod_amount=kv.total,
            total=kv.total,
            paid=Decimal(0),
            delivery_code=f"GHN{inv_id}",
            carrier_name="GHN",
        )
        nkv = replace(kv, invoices=(*kv.invoices, inv))
        w.kv = replace(nkv, status=_kv_status_after_invoices(nkv))
    elif kind == "kv_delivery" and kv is not None and kv.live_invoices and kv.status != 4:
        target = kv.live_invoices[n % len(kv.live_invoices)]
        status = [2, 3, 4, 5, 9, 10][n % 6]
        w.kv = replace(
            kv,
            invoices=tuple(
                replace(
                    i, delivery_status=status, status=1 if status == 3 else (5 if status == 5 else i.status)
                )
                if i.id == target.id
                else i
                for i in kv.invoices
            ),
        )
    elif kind == "kv_pay" and kv is not None and kv.live_invoices and kv.status != 4:
        target = kv.live_invoices[n % len(kv.live_invoices)]
        w.kv = replace(
            kv, invoices=tuple(replace(i, paid=i.total) if i.id == target.id else i for i in kv.invoices)
        )
    elif kind == "kv_cancel" and kv is not None and kv.status not in (3, 4):
        w.kv = replace(kv, status=4)
    elif kind == "hv_cancel" and hv is not None and not hv.cancelled:
        fs = tuple(replace(f, status="cancelled", carrier="cancel") for f in hv.fulfillments)
        w.hv = replace(hv, cancelled=True, fulfillments=fs)
    elif kind == "hv_confirm" and hv is not None and not hv.cancelled:
        w.hv = replace(hv, confirmed=True)
    elif kind == "hv_fulfil" and hv is not None and not hv.cancelled:
        left = [(ln.id, hv.remaining(ln.id)) for ln in hv.lines if hv.remaining(ln.id) > 0]
        if left:
            part = left if n % 3 else left[:1]
            f = core.HvFulfillment(
                w.new_id(),
                "success",
                "readytopick",
                "codpending" if hv.is_cod else "none",
                hv.outstanding if hv.is_cod else Decimal(0),
                f"GHN{n}",
                "GHN",
                lines=tuple(part),
            )
            nhv = replace(hv, fulfillments=(*hv.fulfillments, f))
            w.hv = replace(nhv, fulfillment_status=_hv_fulfillment_status(nhv))
    elif kind == "hv_carrier" and hv is not None and hv.live_fulfillments:
        target = hv.live_fulfillments[n % len(hv.live_fulfillments)]
        code = ["picking", "delivering", "delivered", "notmeetcustomer", "waitingforreturn", "return"][n % 6]
        w.hv = replace(
            hv,
            fulfillments=tuple(replace(f, carrier=code) if f.id == target.id else f for f in hv.fulfillments),
        )
    elif kind == "hv_cod" and hv is not None and hv.live_fulfillments:
        target = hv.live_fulfillments[n % len(hv.live_fulfillments)]
        if target.cod != "none":
            code = ["codpaid", "codreceipt"][n % 2]
            nhv = replace(
                hv,
                fulfillments=tuple(replace(f, cod=code) if f.id == target.id else f for f in hv.fulfillments),
            )
            w.hv = _hv_paid(nhv, nhv.total_price) if code in COD_COLLECTED else nhv


ASK_TO_CREATE_AGAIN = (core.OrderReasonCode.KV_CANCELLED_HV_OPEN, core.OrderReasonCode.KV_CANCELLED_INVOICED)
KV_SIDE_EVENTS = ("kv_confirm", "kv_invoice", "kv_delivery", "kv_pay", "kv_cancel", "hv_cancel")
HV_SIDE_EVENTS = ("hv_confirm", "hv_fulfil", "hv_carrier", "hv_cod", "hv_cancel", "kv_cancel")
#: A Haravan order processed at Haravan: Haravan's handling, plus what KiotViet users may still do
#: to its KiotViet copy (never pushed back) and the merchant's re-sync.
HV_WEB_EVENTS = (*HV_SIDE_EVENTS, "kv_confirm", "kv_invoice", "kv_pay", "resync")


def plan(w: World, hv_view: core.HvOrder | None = None, kv_view: core.KvOrder | None = None) -> core.Plan:
    hv = hv_view if hv_view is not None else w.hv
    kv = kv_view if kv_view is not None else w.kv
    if w.origin == core.Origin.HARAVAN and w.side == core.Side.HARAVAN:
        assert hv is not None
        return core.plan_haravan_order_at_haravan(
            hv, kv, w.memory, SETTINGS, kv_targets(hv), recreate=w.recreate
        )
    if w.origin == core.Origin.HARAVAN:
        assert hv is not None
        return core.plan_haravan_order(hv, kv, w.memory, SETTINGS, kv_targets(hv))
    assert kv is not None
    return core.plan_kiotviet_order(kv, hv, w.memory, SETTINGS, hv_targets(kv) if hv is None else {})


def sync(w: World, rounds: int = 8, **views: Any) -> core.Plan:
    """Plan and apply until nothing is left (the first round may use stale ``views``)."""
    for i in range(rounds):
        p = plan(w, **(views if i == 0 else {}))
        if not p.actions:
            return p
        for action in p.actions:
            apply_action(w, action)
    raise AssertionError(f"no fixpoint after {rounds} rounds: {plan(w).actions}")


def later(when: datetime, seconds: int) -> datetime:
    return when + timedelta(seconds=seconds)
