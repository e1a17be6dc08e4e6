// The cancelled-orders view: what the order system records as cancelled, refunded and
// e-mailed (P8, P14). Display only. The reason is shown as recorded, with the customer's
// own words when they chose "Other". Layout in public/rescind.css (rc-*).
export default function CancelledOrders() {
  const orders = props.orders || [];
  const label = Object.fromEntries((props.reasons || []).map((r) => [r.value, r.label]));
  const reasonOf = (c) => {
    if (!c) return "";
    const name = label[c.reason] || c.reason;
    return c.reason_text ? `${name}: “${c.reason_text}”` : name;
  };
  const rows = orders.flatMap((order) =>
    (order.items || [])
      .filter((i) => i.status === "cancelled" || i.seller_request || i.refusal_flagged)
      .map((item) => ({ order, item })));
  return (
    <section className="rc-card" aria-label="Cancelled orders" data-testid="cancelled-orders">
      <header className="rc-head">
        <h3 className="rc-heading">Cancelled orders</h3>
      </header>
      {rows.length === 0 ? (
        <p className="rc-meta">No cancelled items yet.</p>
      ) : (
        <ul className="rc-items">
          {orders.map((order) => {
            const mine = rows.filter((r) => r.order === order);
            if (mine.length === 0) return null;
            return (
              <li key={order.order_id} className="rc-order">
                <div className="rc-order-head">
                  <span className="rc-title">Order {order.order_id}</span>
                  <span className="rc-meta">
                    refunded {order.refunded}
                    {order.confirmation_emails > 0 ? " · confirmation e-mail sent" : ""}
                  </span>
                </div>
                <ul className="rc-subitems">
                  {mine.map(({ item }) => (
                    <li key={item.id} className="rc-subitem" data-testid={`cancelled-${item.id}`}>
                      <div className="rc-title">{item.title}</div>
                      <div className="rc-facts">
                        <span className={`rc-status rc-status-${item.status}`}>{item.status}</span>
                        {item.seller_request ? <span>seller request {item.seller_request}</span> : null}
                        {item.refusal_flagged ? <span>refusal expected</span> : null}
                      </div>
                      {item.cancellation ? (
                        <div className="rc-why" data-testid={`reason-${item.id}`}>
                          Reason: {reasonOf(item.cancellation)}
                        </div>
                      ) : null}
                    </li>
                  ))}
                </ul>
              </li>
            );
          })}
        </ul>
      )}
      {props.if_missing ? <p className="rc-why rc-foot">{props.if_missing}</p> : null}
    </section>
  );
}
