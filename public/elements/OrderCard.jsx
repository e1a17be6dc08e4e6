// An order as the shop's "Cancel Items" page shows it. Display only: ticking items and
// pressing the button sends the choice to the server, which re-checks everything and
// answers with a proposal (Confirm / Keep) in the chat.
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Badge } from "@/components/ui/badge";

const CAN = {
  cancel: "Can be cancelled",
  request_seller: "Ask the seller to cancel",
  refuse_at_door: "Refuse the package at the door",
  wait_then_refuse: "Refuse it when it arrives",
  return_instead: "Return it instead",
  already_cancelled: "Cancelled",
};

const STATUS_STYLE = {
  cancelled: "bg-muted text-muted-foreground",
  shipped: "bg-blue-100 text-blue-900 dark:bg-blue-900 dark:text-blue-100",
  delivered: "bg-green-100 text-green-900 dark:bg-green-900 dark:text-green-100",
  processing: "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
};

export default function OrderCard() {
  const order = props.order || {};
  const items = order.items || [];
  const reasons = props.reasons || [];
  const pickable = Boolean(props.pickable) && items.some((i) => i.can === "cancel");
  const [chosen, setChosen] = useState([]);
  const [reason, setReason] = useState("");
  const [other, setOther] = useState("");
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [note, setNote] = useState("");

  const toggle = (id, on) =>
    setChosen((now) => (on ? [...now.filter((x) => x !== id), id] : now.filter((x) => x !== id)));
  const ready = chosen.length > 0 && reason && (reason !== "other" || other.trim());

  const submit = async () => {
    setBusy(true);
    setNote("");
    try {
      const res = await callAction({
        name: "pick_items",
        payload: {
          order_id: order.order_id,
          item_ids: chosen,
          reason,
          reason_text: reason === "other" ? other : null,
        },
      });
      const answer = (res && res.response) || {};
      setSent(Boolean(answer.ok));
      setNote(answer.ok ? "Check the proposal below and confirm it." : answer.message || "");
    } catch (e) {
      setNote("That didn't go through; nothing was changed.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="rounded-lg border bg-card text-card-foreground p-4 my-1 w-full"
         data-testid={`order-card-${order.order_id}`}>
      <div className="flex flex-wrap items-baseline justify-between gap-2 mb-3">
        <div className="font-semibold">Order {order.order_id}</div>
        <div className="text-sm text-muted-foreground">
          {order.status}
          {order.placed_at ? ` · placed ${new Date(order.placed_at).toLocaleString()}` : ""}
          {order.refunded && order.refunded !== "0.00" ? ` · refunded ${order.refunded}` : ""}
        </div>
      </div>
      <table className="w-full text-sm">
        <thead>
          <tr className="text-left text-muted-foreground border-b">
            {pickable ? <th className="py-1 pr-2 w-6"></th> : null}
            <th className="py-1 pr-2">Item</th>
            <th className="py-1 pr-2 text-right">Qty</th>
            <th className="py-1 pr-2 text-right">Price</th>
            <th className="py-1 pr-2">Seller</th>
            <th className="py-1 pr-2">Status</th>
            <th className="py-1">Cancellation</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => {
            const can = item.can === "cancel";
            return (
              <tr key={item.id} className="border-b last:border-0 align-top"
                  data-testid={`item-${item.id}`}>
                {pickable ? (
                  <td className="py-2 pr-2 pt-3">
                    <input
                      type="checkbox"
                      data-testid={`pick-${item.id}`}
                      aria-label={`Cancel ${item.title}`}
                      style={{ width: 16, height: 16, accentColor: "hsl(var(--primary))" }}
                      disabled={!can || sent || busy}
                      checked={chosen.includes(item.id)}
                      onChange={(e) => toggle(item.id, e.target.checked)}
                    />
                  </td>
                ) : null}
                <td className="py-2 pr-2 font-medium">{item.title}</td>
                <td className="py-2 pr-2 text-right">{item.qty}</td>
                <td className="py-2 pr-2 text-right">{item.price}</td>
                <td className="py-2 pr-2">{item.seller === "shop" ? "Shop" : item.seller}</td>
                <td className="py-2 pr-2">
                  <Badge variant="outline" className={STATUS_STYLE[item.status] || ""}>
                    {item.status}
                  </Badge>
                </td>
                <td className="py-2">
                  <div className={can ? "font-medium" : ""}>{CAN[item.can] || item.can}</div>
                  <div className="text-xs text-muted-foreground">{item.why}</div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {pickable ? (
        <div className="flex flex-wrap items-center gap-2 mt-3">
          <select
            data-testid="reason"
            aria-label="Reason for cancelling"
            className="h-9 rounded-md border bg-background px-2 text-sm"
            value={reason}
            disabled={sent || busy}
            onChange={(e) => setReason(e.target.value)}
          >
            <option value="">Choose a reason…</option>
            {reasons.map((r) => (
              <option key={r.value} value={r.value}>{r.label}</option>
            ))}
          </select>
          {reason === "other" ? (
            <input
              data-testid="reason-text"
              aria-label="Your reason"
              className="h-9 rounded-md border bg-background px-2 text-sm flex-grow"
              placeholder="Tell us why"
              maxLength={500}
              value={other}
              disabled={sent || busy}
              onChange={(e) => setOther(e.target.value)}
            />
          ) : null}
          <Button data-testid="pick-submit" size="sm" disabled={!ready || sent || busy}
                  onClick={submit}>
            {chosen.length > 1 ? `Cancel ${chosen.length} items` : "Cancel selected item"}
          </Button>
          {note ? <span className="text-sm text-muted-foreground">{note}</span> : null}
        </div>
      ) : null}
    </div>
  );
}
