// An order as the shop's "Cancel Items" page shows it. Display only: ticking items and
// pressing the button sends the choice to the server, which re-checks everything and
// answers with a proposal (Confirm / Keep) in the chat.
// Layout and colours are in public/rescind.css (rc-*): one row per item on a wide screen,
// stacked on a narrow one (a container query), light and dark from the theme's variables.
import { useState } from "react";

const CAN = {
  cancel: "Can be cancelled",
  request_seller: "Ask the seller to cancel",
  refuse_at_door: "Refuse the package at the door",
  wait_then_refuse: "Refuse it when it arrives",
  return_instead: "Return it instead",
  already_cancelled: "Cancelled",
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
  const key = String(order.order_id || "").replace(/[^A-Za-z0-9-]/g, "");

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

  const meta = [
    order.status,
    order.placed_at ? `placed ${new Date(order.placed_at).toLocaleString()}` : "",
    order.refunded ? `refunded ${order.refunded}` : "",
  ].filter(Boolean).join(" · ");

  return (
    <section className="rc-card" aria-label={`Order ${order.order_id}`}
             data-testid={`order-card-${order.order_id}`}>
      <header className="rc-head">
        <h3 className="rc-heading">Order {order.order_id}</h3>
        <p className="rc-meta">{meta}</p>
      </header>
      <ul className="rc-items">
        {items.map((item) => {
          const can = item.can === "cancel";
          const box = `pick-${key}-${item.id}`;
          return (
            <li key={item.id} className={`rc-item${pickable ? " rc-pickable" : ""}`}
                data-testid={`item-${item.id}`}>
              {pickable ? (
                <input
                  id={box}
                  type="checkbox"
                  className="rc-check"
                  data-testid={`pick-${item.id}`}
                  aria-label={`Cancel ${item.title}`}
                  disabled={!can || sent || busy}
                  checked={chosen.includes(item.id)}
                  onChange={(e) => toggle(item.id, e.target.checked)}
                />
              ) : null}
              <div className="rc-main">
                {pickable && can ? (
                  <label htmlFor={box} className="rc-title">{item.title}</label>
                ) : (
                  <div className="rc-title">{item.title}</div>
                )}
                <div className="rc-facts">
                  <span>Qty {item.qty}</span>
                  <span>{item.price}</span>
                  <span>{item.seller === "shop" ? "Sold by the shop" : `Sold by ${item.seller}`}</span>
                  <span className={`rc-status rc-status-${item.status}`}>{item.status}</span>
                </div>
              </div>
              <div className="rc-can">
                <div className={can ? "rc-can-yes" : "rc-can-no"}>{CAN[item.can] || item.can}</div>
                <div className="rc-why">{item.why}</div>
              </div>
            </li>
          );
        })}
      </ul>
      {pickable ? (
        <div className="rc-form">
          <select
            data-testid="reason"
            aria-label="Reason for cancelling"
            className="rc-input"
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
              className="rc-input rc-grow"
              placeholder="Tell us why"
              maxLength={500}
              value={other}
              disabled={sent || busy}
              onChange={(e) => setOther(e.target.value)}
            />
          ) : null}
          <button type="button" data-testid="pick-submit" className="rc-primary"
                  disabled={!ready || sent || busy} onClick={submit}>
            {chosen.length > 1 ? `Cancel ${chosen.length} items` : "Cancel selected item"}
          </button>
          <span className="rc-note" role="status" aria-live="polite">{note}</span>
        </div>
      ) : null}
    </section>
  );
}
