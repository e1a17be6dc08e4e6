// The cancelled-orders view: what the order system records as cancelled, refunded and
// e-mailed (P8, P14). Display only.
export default function CancelledOrders() {
  const orders = props.orders || [];
  const label = Object.fromEntries((props.reasons || []).map((r) => [r.value, r.label]));
  return (
    <div className="rounded-lg border bg-card text-card-foreground p-4 my-1 w-full"
         data-testid="cancelled-orders">
      <div className="font-semibold mb-2">Cancelled orders</div>
      {orders.length === 0 ? (
        <div className="text-sm text-muted-foreground">No cancelled items yet.</div>
      ) : (
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left text-muted-foreground border-b">
              <th className="py-1 pr-2">Order</th>
              <th className="py-1 pr-2">Item</th>
              <th className="py-1 pr-2">Status</th>
              <th className="py-1 pr-2">Reason</th>
              <th className="py-1 pr-2 text-right">Order refund</th>
              <th className="py-1">E-mail</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((order) =>
              (order.items || [])
                .filter((i) => i.status === "cancelled" || i.seller_request || i.refusal_flagged)
                .map((item, n) => (
                  <tr key={`${order.order_id}-${item.id}`} className="border-b last:border-0"
                      data-testid={`cancelled-${item.id}`}>
                    <td className="py-1 pr-2">{n === 0 ? order.order_id : ""}</td>
                    <td className="py-1 pr-2">{item.title}</td>
                    <td className="py-1 pr-2">
                      {item.status}
                      {item.seller_request ? ` · seller request ${item.seller_request}` : ""}
                      {item.refusal_flagged ? " · refusal expected" : ""}
                    </td>
                    <td className="py-1 pr-2 text-muted-foreground">
                      {item.cancellation
                        ? label[item.cancellation.reason] || item.cancellation.reason
                        : ""}
                    </td>
                    <td className="py-1 pr-2 text-right">{n === 0 ? order.refunded : ""}</td>
                    <td className="py-1">
                      {n === 0 && order.confirmation_emails > 0 ? "confirmation sent" : ""}
                    </td>
                  </tr>
                ))
            )}
          </tbody>
        </table>
      )}
      {props.if_missing ? (
        <div className="text-xs text-muted-foreground mt-2">{props.if_missing}</div>
      ) : null}
    </div>
  );
}
